import { boolean, enumerated, integer, octetString, sequence, tlv } from './ber.js';

/**
 * A connectionless LDAP search of the root DSE (RFC 1798, RFC 4511 §4.5.1): LDAPMessage
 * { messageID, searchRequest [APPLICATION 3] { baseObject "", scope baseObject(0),
 * derefAliases neverDerefAliases(0), sizeLimit 0, timeLimit 0, typesOnly FALSE,
 * filter present [7] "objectClass", attributes {} } }. RFC 4511's message form, without
 * RFC 1798's user DN, is what directory servers answering CLDAP (Active Directory) take.
 */
export function cldapRootDseSearch(messageId: number): Buffer {
  const present = tlv(0x87, Buffer.from('objectClass', 'latin1'));
  const search = tlv(
    0x63,
    Buffer.concat([
      octetString(''),
      enumerated(0),
      enumerated(0),
      integer(0),
      integer(0),
      boolean(false),
      present,
      sequence(),
    ]),
  );
  return sequence(integer(messageId), search);
}
