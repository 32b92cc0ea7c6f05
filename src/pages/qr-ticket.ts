// What a phone scanned from a QR sign-in code, read back into the ticket's token: the app API, the
// app link and the development app simulator all take the scanned text in the same form.

/** The token part of a scanned QR (the whole URL or just `<id>.<secret>`). */
export function ticketTokenOf(value: unknown): string {
  if (typeof value !== 'string') return '';
  const text = value.trim().slice(0, 512);
  const at = text.lastIndexOf('/qr/l/');
  return (at >= 0 ? text.slice(at + '/qr/l/'.length) : text).split(/[?#]/)[0] ?? '';
}
