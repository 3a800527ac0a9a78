#include "tests/support/webhook_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace switchboard::testing {

WebhookReceiver::WebhookReceiver() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    throw std::runtime_error("receiver: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Loop(); });
}

WebhookReceiver::~WebhookReceiver() {
  stop_ = true;
  ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
  ::close(fd_);
  thread_.join();
}

std::vector<WebhookReceiver::Request> WebhookReceiver::Delivered(const std::string& path) {
  std::vector<Request> out;
  for (auto& r : requests()) {
    if (r.path == path && r.answered == 200) out.push_back(r);
  }
  return out;
}

void WebhookReceiver::Loop() {
  while (!stop_) {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    Handle(c);
    ::close(c);
  }
}

void WebhookReceiver::Handle(int c) {
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const auto n = ::recv(c, buf, sizeof buf, 0);
    if (n <= 0) return;
    data.append(buf, static_cast<std::size_t>(n));
  }
  Request r;
  const std::string head = data.substr(0, header_end);
  const auto first_space = head.find(' ');
  r.path = head.substr(first_space + 1, head.find(' ', first_space + 1) - first_space - 1);
  std::size_t line = head.find("\r\n");
  while (line != std::string::npos && line < head.size()) {
    const auto next = head.find("\r\n", line + 2);
    const std::string h = head.substr(line + 2, (next == std::string::npos ? head.size() : next) - line - 2);
    const auto colon = h.find(':');
    if (colon != std::string::npos) {
      std::string name = h.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers[name] = h.substr(h.find_first_not_of(' ', colon + 1));
    }
    line = next;
  }
  const std::size_t length = std::stoul(r.headers.count("content-length") ? r.headers["content-length"] : "0");
  r.body = data.substr(header_end + 4);
  while (r.body.size() < length) {
    const auto n = ::recv(c, buf, sizeof buf, 0);
    if (n <= 0) return;
    r.body.append(buf, static_cast<std::size_t>(n));
  }
  {
    std::lock_guard lock(mu_);
    auto it = failures_.find(r.path);
    r.answered = 200;
    if (it != failures_.end() && it->second != 0) {
      r.answered = 500;
      if (it->second > 0) --it->second;
    }
    requests_.push_back(r);
  }
  const std::string reply = r.answered == 200
                                ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                                : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
}

}  // namespace switchboard::testing
