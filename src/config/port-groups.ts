// Named groups of TCP ports, usable in expect_open and expect_closed. Port numbers are
// the IANA assignments or, where IANA has none or an outdated one, the product's default.

export const PORT_GROUPS: Readonly<Record<string, readonly number[]>> = {
  databases: [
    1433, // Microsoft SQL Server
    1521, // Oracle TNS listener
    3306, // MySQL, MariaDB
    5432, // PostgreSQL
    5984, // CouchDB
    6379, // Redis
    7000, // Cassandra inter-node
    7474, // Neo4j HTTP
    7687, // Neo4j Bolt
    8086, // InfluxDB HTTP API
    9042, // Cassandra CQL
    9200, // Elasticsearch / OpenSearch HTTP
    9300, // Elasticsearch transport
    11211, // Memcached
    27017, // MongoDB
  ],
  'file-sharing': [
    21, // FTP control
    111, // rpcbind / portmapper (NFS)
    139, // NetBIOS session (SMB over NetBIOS)
    445, // SMB
    873, // rsync daemon
    2049, // NFS
  ],
  mail: [
    25, // SMTP
    110, // POP3
    143, // IMAP
    465, // SMTP submission over TLS
    587, // SMTP submission
    993, // IMAP over TLS
    995, // POP3 over TLS
  ],
  'remote-access': [
    23, // Telnet
    512, // rexec
    513, // rlogin
    514, // rsh
    3389, // RDP
    5900, // VNC display :0
    5901, // VNC display :1
    5985, // WinRM HTTP
    5986, // WinRM HTTPS
  ],
  web: [
    80, // HTTP
    443, // HTTPS
    8080, // HTTP alternate
    8443, // HTTPS alternate
  ],
};

/** The group names, sorted, for messages. */
export const PORT_GROUP_NAMES: readonly string[] = Object.keys(PORT_GROUPS).sort();
