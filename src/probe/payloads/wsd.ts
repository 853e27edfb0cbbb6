/**
 * A WS-Discovery Probe (WS-Discovery of April 2005, §5.2, the version Windows and printers
 * answer): a SOAP 1.2 envelope addressed to the discovery URN with the Probe action, a
 * fresh message ID and an empty Probe (any type, any scope).
 */
export function wsDiscoveryProbe(messageId: string): Buffer {
  const xml = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"',
    ' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"',
    ' xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery">',
    '<soap:Header>',
    '<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>',
    '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>',
    `<wsa:MessageID>urn:uuid:${messageId}</wsa:MessageID>`,
    '</soap:Header>',
    '<soap:Body><wsd:Probe/></soap:Body>',
    '</soap:Envelope>',
  ];
  return Buffer.from(xml.join(''), 'utf8');
}
