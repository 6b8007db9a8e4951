// Finding out that an HTTP client went away while its request is still being generated. cpp-httplib 0.11 (the
// Debian bookworm version) gives handlers neither the connection's socket nor a "closed" test, and its
// DataSink::is_writable() only asks select(), which a closed peer still passes. So the handler looks its socket
// up once by the connection's addresses and then peeks at it.
#pragma once
#include <string>

namespace locus::server {

// The descriptor of this process's TCP socket connected from remote_addr:remote_port to local_port, or -1.
int find_connection_socket(const std::string& remote_addr, int remote_port, int local_port);
// True when the peer has closed (or reset) the connection. fd < 0: false (unknown).
bool peer_closed(int fd);

}  // namespace locus::server
