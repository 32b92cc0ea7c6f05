// What the OIDC layer needs to keep secrets at rest (client secrets, private keys): an
// authenticated cipher bound to a context string. The PII cipher service implements it.

export interface SecretBox {
  encrypt(plaintext: string, aad: string): string;
  decrypt(envelope: string, aad: string): string;
}
