// How the pages and messages show a moment: minutes in UTC+8 (the platform's time zone), the same
// for every locale, e.g. `2026-12-02 18:30`.

export function formatTime(date: Date | number | undefined | null): string {
  if (date === undefined || date === null) return '';
  const value = typeof date === 'number' ? new Date(date) : date;
  if (Number.isNaN(value.getTime())) return '';
  return new Date(value.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}
