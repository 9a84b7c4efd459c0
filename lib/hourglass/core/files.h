// Writing files without writing anywhere the user did not name.
//
// Two kinds of output:
//   * files Hourglass creates inside an output directory (run's --out:
//     results.json, journal.jsonl, the lock file): OutputDir opens the
//     directory once and creates every file with openat() relative to that
//     descriptor and O_NOFOLLOW, so a symbolic link planted in the directory
//     (D/results.json.tmp -> /etc/x) is never followed: a link in the way is
//     an error, never a write through it; temporaries are O_EXCL with a
//     unique name, then renamed over the target (rename replaces a link, it
//     does not write through it).
//   * a file the user names with -o (report, merge, compare --export):
//     write_output_file(). A path that does not exist or is a regular file is
//     replaced atomically (temporary in the same folder, fsync, rename); an
//     existing character device or FIFO (/dev/null, /dev/stdout on a
//     terminal or a pipe, /proc/self/fd/1) is written through as a stream and
//     never replaced, and so is a link to the file that is this process's
//     stdout or stderr (/dev/stdout under `> file`); anything else (a
//     directory, a socket, any other symbolic link to a regular file) is
//     refused with InputError. docs/results-format.md.
//
// No LibTorch here. Errors are InputError (exit 2) naming the path.
#pragma once

#include <sys/types.h>

#include <string>

namespace hg {

// Writes all of `data` to `fd` (retrying short writes and EINTR); InputError
// naming `what` on failure.
void write_all(int fd, const std::string& data, const std::string& what);

// Reads `fd` to its end, appending to `out` (retrying EINTR), at most `max_bytes`:
// 0 when done, EFBIG when the data would pass `max_bytes` (out then holds
// what fit), otherwise the failed read's errno. The caller closes fd and
// words the error.
int read_to_end(int fd, std::string& out, size_t max_bytes = static_cast<size_t>(-1));

// An opened output directory. Created (with its parents) when missing; the
// path itself may be a symbolic link the user made (it is what they named),
// nothing inside it is followed.
class OutputDir {
 public:
  explicit OutputDir(const std::string& path);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  // "path/name", for messages.
  std::string child(const std::string& name) const;

  // Takes an exclusive flock() on `name` (created if missing, O_NOFOLLOW) for
  // the life of this object and records this process's pid in it. When
  // another process holds it: InputError naming the holder's pid. The lock
  // file stays behind (deleting a lock file races with its next taker).
  void lock(const std::string& name);

  // What is at `name`: -1 nothing, 0 a regular file, 1 anything else (a
  // directory, a symbolic link, a device). Not followed.
  int kind(const std::string& name) const;

  // Opens `name` for writing, O_NOFOLLOW: truncated (append = false) or for
  // appending, created when missing. Returns the descriptor (O_CLOEXEC);
  // InputError when `name` is a symbolic link or cannot be opened.
  int open_for_writing(const std::string& name, bool append) const;

  // Reads `name` whole, O_NOFOLLOW. InputError when it cannot.
  std::string read(const std::string& name) const;

  // Replaces `name` atomically with `contents`: an O_EXCL temporary with a
  // unique name in this directory, fsync, renameat, fsync of the directory.
  void write_atomic(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
  int fd_ = -1;
  int lock_fd_ = -1;
};

// Writes a file the user named with -o (see the header comment for which
// paths are replaced atomically, written through or refused).
void write_output_file(const std::string& path, const std::string& contents);

}  // namespace hg
