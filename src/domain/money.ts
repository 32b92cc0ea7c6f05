// How pages and printed records show an amount of money: yuan with two decimals and grouping
// (`65,432.10`), the same for every locale.

export function formatYuan(amount: number): string {
  return amount.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
