// The bad-input corpus (tests/data/bad/): every malformed suite and results
// file makes the real binary exit 2 with a clear, located message, without
// crashing and without writing anything.
//
//   suites/*.yaml    `hourglass validate FILE` and `hourglass run FILE --out DIR`
//   results/*.json   `hourglass compare FILE GOOD --export ... -o OUT` (the
//                    reader is the same for the baseline and the current file)
//
// tests/data/bad/EXPECTED names, for every file, a piece of the message it
// must produce (after "FILE:" for suites, anywhere for results). A file
// without a line there, or a line without a file, fails the test: a new case
// needs both.
#include <regex>

#include "cli_util.h"

namespace {

using namespace hg::cli_testing;

const std::string kBad = HOURGLASS_TEST_DATA_DIR "/bad";

// "suites/x.yaml" -> expected message piece, from tests/data/bad/EXPECTED
// (lines "path<TAB>message"; '#' starts a comment line).
std::map<std::string, std::string> expected_messages() {
  std::map<std::string, std::string> out;
  std::istringstream in(read_file(kBad + "/EXPECTED"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

std::vector<std::string> corpus(const std::string& sub) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(kBad + "/" + sub))
    if (e.is_regular_file()) files.push_back(sub + "/" + e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class BadSuite : public Cli, public ::testing::WithParamInterface<std::string> {};
class BadResults : public Cli, public ::testing::WithParamInterface<std::string> {};

TEST_P(BadSuite, ValidateAndRunExitTwoWithALocatedMessageAndWriteNothing) {
  const std::string path = kBad + "/" + GetParam();
  const auto expected = expected_messages();
  ASSERT_TRUE(expected.count(GetParam())) << "add a line for " << GetParam() << " to " << kBad
                                          << "/EXPECTED";
  const auto before = listing();

  const auto v = hourglass("validate '" + path + "'");
  EXPECT_EQ(v.code, 2) << v.err;  // a crash reads -1 here
  EXPECT_TRUE(v.out.empty()) << v.out;
  // file:line:col: error: message, for a file of this corpus.
  const std::regex located(std::regex_replace(kBad, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                           R"(/suites/[^:\s]+:[0-9]+:[0-9]+: error: )");
  EXPECT_TRUE(std::regex_search(v.err, located)) << v.err;
  const std::string& piece = expected.at(GetParam());
  EXPECT_TRUE(contains(v.err, piece)) << "expected '" << piece << "' in:\n" << v.err;
  EXPECT_TRUE(contains(v.err, path + ": ")) << v.err;

  const std::string out = dir_ + "/run";
  const auto r = hourglass("run '" + path + "' --out '" + out + "'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, piece)) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(listing(), before);
}

TEST_P(BadResults, CompareExitsTwoNamingTheFileAndWritesNothing) {
  const std::string path = kBad + "/" + GetParam();
  const std::string good = HOURGLASS_TEST_DATA_DIR "/results/minimal.json";
  const auto expected = expected_messages();
  ASSERT_TRUE(expected.count(GetParam())) << "add a line for " << GetParam() << " to " << kBad
                                          << "/EXPECTED";
  const auto before = listing();
  const std::string exported = dir_ + "/bench.json";
  const auto o = hourglass("compare '" + path + "' '" + good +
                           "' --export github-action-benchmark -o '" + exported + "'");
  EXPECT_EQ(o.code, 2) << o.err;  // a crash reads -1 here
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_TRUE(contains(o.err, "error: ")) << o.err;
  EXPECT_TRUE(contains(o.err, path + ":")) << o.err;
  const std::string& piece = expected.at(GetParam());
  EXPECT_TRUE(contains(o.err, piece)) << "expected '" << piece << "' in:\n" << o.err;
  EXPECT_FALSE(fs::exists(exported));
  EXPECT_EQ(listing(), before);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadSuite, ::testing::ValuesIn(corpus("suites")), test_name);
INSTANTIATE_TEST_SUITE_P(Corpus, BadResults, ::testing::ValuesIn(corpus("results")), test_name);

TEST(BadInputCorpus, IsLargeAndEveryExpectationHasItsFile) {
  const auto suites = corpus("suites"), results = corpus("results");
  EXPECT_GE(suites.size() + results.size(), 40u);
  EXPECT_GE(suites.size(), 25u);
  EXPECT_GE(results.size(), 15u);
  for (const auto& [file, message] : expected_messages()) {
    EXPECT_TRUE(fs::exists(kBad + "/" + file)) << "EXPECTED names a missing file: " << file;
    EXPECT_FALSE(message.empty()) << file;
  }
}

TEST_F(Cli, AnEmptyPathAndADirectoryAreBadInputToo) {
  EXPECT_EQ(hourglass("validate ''").code, 2);
  const auto dir = hourglass("validate '" + kBad + "'");
  EXPECT_EQ(dir.code, 2);
  EXPECT_TRUE(contains(dir.err, "it is a directory")) << dir.err;
  const auto huge = write("huge.yaml", "suite: huge\ndescription: " + std::string(5 << 20, 'x') + "\n");
  const auto h = hourglass("validate '" + huge + "'");
  EXPECT_EQ(h.code, 2);
  EXPECT_TRUE(contains(h.err, "file too large")) << h.err;
  const auto c = hourglass("compare '" + kBad + "' '" + kBad + "'");
  EXPECT_EQ(c.code, 2);
  EXPECT_TRUE(contains(c.err, "it is a directory")) << c.err;
}

}  // namespace
