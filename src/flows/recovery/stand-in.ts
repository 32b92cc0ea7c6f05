// The stand-in number 忘记密码 shows (masked) for an identity that names no account: a keyed HMAC of
// certificate type, number AND name, so it is stable for one typed identity, differs from name to
// name, and is drawn from real mobile segments — a wrong name looks like the right one.

import type { BlindIndex } from '../../services/crypto/index.js';

/** Mainland mobile segments in use (China Mobile, Unicom, Telecom, Broadnet, virtual operators). */
const segments = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139',
  '145', '147', '149', '150', '151', '152', '153', '155', '156', '157', '158', '159',
  '162', '165', '166', '167', '170', '171', '172', '173', '175', '176', '177', '178',
  '180', '181', '182', '183', '184', '185', '186', '187', '188', '189',
  '190', '191', '192', '193', '195', '196', '197', '198', '199',
] as const;

/** The E.164 stand-in for (certType, number, name); never messaged. */
export function standInPhone(blindIndex: BlindIndex, identity: { certType: string; idNumber: string; name: string }): string {
  const digest = BigInt(`0x${blindIndex('identifier', `recover-stand-in\u0000${identity.certType}\u0000${identity.idNumber}\u0000${identity.name}`)}`);
  const segment = segments[Number(digest % BigInt(segments.length))] as string;
  const subscriber = String((digest / BigInt(segments.length)) % 100_000_000n).padStart(8, '0');
  return `+86${segment}${subscriber}`;
}
