// The ports of `discover: { ports: well-known }`: services commonly found exposed to
// networks they should not be, written from the IANA service-name registry and, where
// IANA has no or an outdated assignment, the product's documented default. Every port of
// the named groups (port-groups.ts) is included.
import { PORT_GROUPS } from './port-groups.js';

const SERVICES: readonly number[] = [
  7, // echo
  13, // daytime
  19, // chargen
  22, // SSH
  37, // time
  53, // DNS over TCP
  79, // finger
  88, // Kerberos
  102, // ISO-TSAP (Siemens S7)
  113, // ident
  119, // NNTP
  135, // Microsoft RPC endpoint mapper
  161, // SNMP over TCP
  179, // BGP
  389, // LDAP
  502, // Modbus/TCP
  515, // LPD printing
  548, // AFP
  554, // RTSP
  631, // IPP / CUPS
  636, // LDAP over TLS
  1080, // SOCKS proxy
  1194, // OpenVPN
  1723, // PPTP
  1883, // MQTT
  2181, // ZooKeeper
  2375, // Docker API, plain
  2376, // Docker API over TLS
  2379, // etcd client
  2380, // etcd peer
  3000, // Grafana, many dev servers
  3128, // Squid proxy
  3268, // LDAP global catalog
  4369, // Erlang port mapper (RabbitMQ, CouchDB)
  4443, // HTTPS alternate
  5000, // Docker registry, Flask dev server
  5001, // Synology DSM over TLS
  5044, // Logstash Beats input
  5060, // SIP
  5601, // Kibana
  5672, // AMQP (RabbitMQ)
  5800, // VNC over HTTP
  6000, // X11 display :0
  6443, // Kubernetes API server
  6666, // IRC, also debug backdoors
  6667, // IRC
  8000, // HTTP alternate, dev servers
  8001, // kubectl proxy
  8008, // HTTP alternate
  8081, // HTTP alternate
  8088, // Hadoop YARN web UI
  8089, // Splunk management
  8161, // ActiveMQ web console
  8500, // Consul HTTP API
  8761, // Eureka
  8834, // Nessus web UI
  8883, // MQTT over TLS
  8888, // Jupyter, HTTP alternate
  9000, // PHP-FPM, SonarQube, MinIO
  9001, // Supervisor, MinIO console
  9090, // Prometheus
  9091, // Prometheus Pushgateway
  9092, // Kafka
  9093, // Alertmanager
  9100, // node_exporter, raw printing (JetDirect)
  9229, // Node.js inspector
  9418, // git daemon
  9443, // HTTPS alternate, Portainer
  9999, // debug and admin consoles
  10000, // Webmin
  10250, // kubelet API
  10255, // kubelet read-only API
  15672, // RabbitMQ management
  16379, // Redis cluster bus
  20000, // DNP3
  44818, // EtherNet/IP
  47808, // BACnet
  50000, // SAP, Jenkins agents
  50070, // Hadoop NameNode web UI
];

/** Sorted, unique. */
export const WELL_KNOWN_PORTS: readonly number[] = [
  ...new Set([...SERVICES, ...Object.values(PORT_GROUPS).flat()]),
].sort((a, b) => a - b);
