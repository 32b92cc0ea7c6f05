// The additional authenticated data of each encrypted personal-data column, bound to the row's
// account, so a ciphertext copied to another account or column fails to decrypt.

export const piiAad = {
  name: (accountId: string) => `accounts.name:${accountId}`,
  documentNumber: (accountId: string) => `account_documents.number:${accountId}`,
  phone: (accountId: string) => `phones.phone:${accountId}`,
} as const;
