#include "hourglass/core/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "hourglass/core/error.h"

namespace hg {
namespace {

std::string why(int err) { return std::strerror(err); }

// `fd` opened with O_NONBLOCK (so that a FIFO in the way does not block the
// open): a regular file, made blocking again. Closes it and throws otherwise.
void require_regular(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path + ": not a regular file: refusing to write or read it");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

std::string open_error(const std::string& path, int err, const char* verb) {
  if (err == ELOOP)
    return path + ": is a symbolic link: refusing to " + verb + " through it";
  return path + ": cannot " + verb + ": " + why(err);
}

// `name` in the directory `dir_fd` replaced by `contents`: an O_EXCL
// temporary with a fresh name, fsync, renameat, fsync of the directory.
void write_atomic_at(int dir_fd, const std::string& shown, const std::string& name,
                     const std::string& contents) {
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = name + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd = ::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) throw InputError(shown + ": cannot write: " + why(errno));
  }
  if (fd < 0) throw InputError(shown + ": cannot write: no free temporary name");
  try {
    write_all(fd, contents, shown);
  } catch (...) {
    ::close(fd);
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    throw;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    throw InputError(shown + ": cannot write: " + why(err));
  }
  if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    throw InputError(shown + ": cannot write: " + why(err));
  }
  ::fsync(dir_fd);
}

}  // namespace

void write_all(int fd, const std::string& data, const std::string& what) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(what + ": cannot write: " + why(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

OutputDir::OutputDir(const std::string& path) : path_(path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw InputError(path + ": cannot create directory: " + ec.message());
  fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw InputError(path + ": cannot create directory: " + why(errno));
}

OutputDir::~OutputDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  if (fd_ >= 0) ::close(fd_);
}

std::string OutputDir::child(const std::string& name) const { return path_ + "/" + name; }

void OutputDir::lock(const std::string& name) {
  const int fd = ::openat(fd_, name.c_str(),
                          O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) throw InputError(open_error(child(name), err, "write"));
    throw InputError(path_ + ": cannot write in this directory: " + why(err));
  }
  require_regular(fd, child(name));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) holder += buf[i];
    ::close(fd);
    if (err == EWOULDBLOCK)
      throw InputError(path_ + ": another hourglass run (pid " +
                       (holder.empty() ? std::string("unknown") : holder) +
                       ") is using this directory (it holds " + child(name) +
                       "); wait for it to end or choose another --out");
    throw InputError(child(name) + ": cannot lock: " + why(err));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    const int err = errno;
    ::close(fd);
    throw InputError(path_ + ": cannot write in this directory: " + why(err));
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = fd;
}

int OutputDir::kind(const std::string& name) const {
  struct stat st {};
  if (::fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  return S_ISREG(st.st_mode) ? 0 : 1;
}

int OutputDir::open_for_writing(const std::string& name, bool append) const {
  const int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
                    (append ? O_APPEND : O_TRUNC);
  // O_TRUNC only after the checks: open without it, check, then truncate.
  const int fd = ::openat(fd_, name.c_str(), flags & ~O_TRUNC, 0644);
  if (fd < 0) throw InputError(open_error(child(name), errno, "write"));
  require_regular(fd, child(name));
  if (!append && ::ftruncate(fd, 0) != 0) {
    const int err = errno;
    ::close(fd);
    throw InputError(child(name) + ": cannot write: " + why(err));
  }
  return fd;
}

int read_to_end(int fd, std::string& out, size_t max_bytes) {
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    if (out.size() > max_bytes || static_cast<size_t>(n) > max_bytes - out.size()) return EFBIG;
    out.append(chunk, static_cast<size_t>(n));
  }
}

std::string OutputDir::read(const std::string& name) const {
  const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(open_error(child(name), errno, "read"));
  require_regular(fd, child(name));
  std::string text;
  const int err = read_to_end(fd, text);
  ::close(fd);
  if (err != 0) throw InputError(child(name) + ": cannot read: " + why(err));
  return text;
}

void OutputDir::write_atomic(const std::string& name, const std::string& contents) const {
  write_atomic_at(fd_, child(name), name, contents);
}

void write_output_file(const std::string& path, const std::string& contents) {
  if (path == "-") {
    std::cout << contents << std::flush;
    return;
  }
  if (path.empty()) throw InputError("output path is empty");
  struct stat link {};
  const bool exists = ::lstat(path.c_str(), &link) == 0;
  if (!exists && errno != ENOENT) throw InputError(path + ": cannot write: " + why(errno));
  if (exists && !S_ISREG(link.st_mode)) {
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0)
      throw InputError(path + ": cannot write: " + why(errno) +
                       (S_ISLNK(link.st_mode) ? " (a symbolic link to nothing)" : ""));
    if (S_ISCHR(target.st_mode) || S_ISFIFO(target.st_mode)) {
      // A device or a pipe: written through as a stream, never replaced.
      const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd < 0) throw InputError(path + ": cannot write: " + why(errno));
      std::cout << std::flush;  // in order with what went to stdout before
      try {
        write_all(fd, contents, path);
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
      return;
    }
    if (S_ISDIR(target.st_mode)) throw InputError(path + ": cannot write: it is a directory");
    // /dev/stdout, /proc/self/fd/2 when that is a file: the stream itself.
    for (const int fd : {STDOUT_FILENO, STDERR_FILENO}) {
      struct stat open_file {};
      if (::fstat(fd, &open_file) == 0 && open_file.st_dev == target.st_dev &&
          open_file.st_ino == target.st_ino) {
        std::cout << std::flush;
        write_all(fd, contents, path);
        return;
      }
    }
    if (S_ISLNK(link.st_mode) && S_ISREG(target.st_mode))
      throw InputError(path + ": is a symbolic link to a regular file: refusing to replace "
                       "it; name the file it points to (or - for stdout)");
    throw InputError(path + ": cannot write: not a regular file, a character device or a pipe");
  }
  // Missing or a regular file: replaced atomically from its own folder.
  const std::filesystem::path p(path);
  std::string dir = p.parent_path().string();
  if (dir.empty()) dir = ".";
  const std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw InputError(path + ": cannot write: not a file name");
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) throw InputError(path + ": cannot write: " + why(errno));
  try {
    write_atomic_at(dir_fd, path, name, contents);
  } catch (...) {
    ::close(dir_fd);
    throw;
  }
  ::close(dir_fd);
}

}  // namespace hg
