#include "hourglass/core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "hourglass/core/error.h"
#include "../test_util.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OutputDir, CreatesItsFolderAndReplacesFilesAtomically) {
  testing::TempDir tmp;
  const std::string path = tmp.path() + "/a/b";
  OutputDir dir(path);
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_EQ(dir.kind("results.json"), -1);
  dir.write_atomic("results.json", "one");
  dir.write_atomic("results.json", "two");
  EXPECT_EQ(slurp(path + "/results.json"), "two");
  EXPECT_EQ(dir.kind("results.json"), 0);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(path)) entries += e.exists();
  EXPECT_EQ(entries, 1u);  // no temporary left behind
}

TEST(OutputDir, NeverWritesThroughASymbolicLinkPlantedInIt) {
  testing::TempDir tmp;
  const std::string victim = tmp.file("victim", "precious");
  OutputDir dir(tmp.path() + "/out");
  // Links where the temporary, the journal and the results would go.
  for (const char* name : {"results.json.tmp", "journal.jsonl", "results.json"})
    fs::create_symlink(victim, tmp.path() + "/out/" + name);
  EXPECT_EQ(dir.kind("journal.jsonl"), 1);
  const std::string why = message_of([&] { ::close(dir.open_for_writing("journal.jsonl", false)); });
  EXPECT_NE(why.find("journal.jsonl: is a symbolic link: refusing to write through it"),
            std::string::npos)
      << why;
  EXPECT_THROW(dir.read("journal.jsonl"), InputError);
  // The atomic write replaces the link itself, never the file it points to.
  dir.write_atomic("results.json", "results");
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(tmp.path() + "/out/results.json"));
  EXPECT_EQ(slurp(tmp.path() + "/out/results.json"), "results");
}

TEST(OutputDir, TheLockIsExclusiveAndNamesItsHolder) {
  testing::TempDir tmp;
  auto first = std::make_unique<OutputDir>(tmp.path());
  first->lock(".lock");
  EXPECT_EQ(slurp(tmp.path() + "/.lock"), std::to_string(::getpid()) + "\n");
  // flock belongs to the open file: a second open in this process conflicts
  // just as another process would.
  OutputDir second(tmp.path());
  const std::string why = message_of([&] { second.lock(".lock"); });
  EXPECT_NE(why.find("another hourglass run (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << why;
  // A child process is refused too, and gets it once the holder lets go.
  const pid_t child = ::fork();
  if (child == 0) {
    OutputDir third(tmp.path());
    try {
      third.lock(".lock");
    } catch (const InputError&) {
      ::_exit(7);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 7);
  first.reset();  // lets go of the lock
  EXPECT_NO_THROW(second.lock(".lock"));
}

TEST(OutputDir, ALinkAsTheLockFileIsRefused) {
  testing::TempDir tmp;
  const std::string victim = tmp.file("victim", "precious");
  fs::create_directory(tmp.path() + "/out");
  fs::create_symlink(victim, tmp.path() + "/out/.lock");
  OutputDir dir(tmp.path() + "/out");
  EXPECT_THROW(dir.lock(".lock"), InputError);
  EXPECT_EQ(slurp(victim), "precious");
}

TEST(WriteOutputFile, ReplacesRegularFilesAtomicallyAndCreatesMissingOnes) {
  testing::TempDir tmp;
  const std::string path = tmp.path() + "/report.txt";
  write_output_file(path, "one");
  write_output_file(tmp.file("report.txt", "old"), "two");
  EXPECT_EQ(slurp(path), "two");
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) entries += e.exists();
  EXPECT_EQ(entries, 1u);
  EXPECT_THROW(write_output_file("/nonexistent-dir/x/report.txt", "x"), InputError);
}

TEST(WriteOutputFile, WritesThroughDevicesAndPipesWithoutReplacingThem) {
  testing::TempDir tmp;
  // /dev/null, directly and through a link: still the device afterwards.
  const std::string link = tmp.path() + "/null-link";
  fs::create_symlink("/dev/null", link);
  write_output_file("/dev/null", "discarded");
  write_output_file(link, "discarded");
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_TRUE(fs::is_symlink(link));
  // A pipe (what /dev/stdout is under a shell pipeline): the bytes arrive.
  const std::string fifo = tmp.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    const int fd = ::open(fifo.c_str(), O_RDONLY);
    char buf[64] = {};
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::_exit(n == 5 && std::string(buf) == "bytes" ? 0 : 1);
  }
  write_output_file(fifo, "bytes");
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(fs::status(fifo).type(), fs::file_type::fifo);
}

TEST(WriteOutputFile, RefusesDirectoriesAndLinksToRegularFiles) {
  testing::TempDir tmp;
  fs::create_directory(tmp.path() + "/dir");
  EXPECT_NE(message_of([&] { write_output_file(tmp.path() + "/dir", "x"); }).find("it is a directory"),
            std::string::npos);
  const std::string victim = tmp.file("victim", "precious");
  fs::create_symlink(victim, tmp.path() + "/link");
  EXPECT_NE(message_of([&] { write_output_file(tmp.path() + "/link", "x"); })
                .find("is a symbolic link to a regular file"),
            std::string::npos);
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_TRUE(fs::is_symlink(tmp.path() + "/link"));
  fs::create_symlink(tmp.path() + "/nothing", tmp.path() + "/dangling");
  EXPECT_THROW(write_output_file(tmp.path() + "/dangling", "x"), InputError);
  EXPECT_FALSE(fs::exists(tmp.path() + "/nothing"));
}

}  // namespace
}  // namespace hg
