// --plugin and a suite's `plugins:` key, through the real binary: a plugin
// that loads adds its learner (listed with its path, usable in run and
// validate), and every refusal (missing file, not a shared library, no
// version symbol, another version, a name that exists) exits 2 naming the
// file before anything runs. The test plugins: tests/plugins/test_plugin.cpp.
#include <filesystem>
#include <fstream>

#include "cli_fixture.h"

namespace hg::testing {
namespace {

// A suite on a built-in family with the plugin's learner; `extra` goes at
// the top level (e.g. a plugins: key).
std::string mean_suite(const std::string& extra = "") {
  return "suite: plugin-test\nseeds: 2\neval_samples: 50\nbudgets: [16]\n" + extra +
         "tasks:\n  - name: lin\n    family: linear-regression\n    params: {dim: 2}\n"
         "agents:\n  - name: mean\n    learner: test-plugin-mean\n";
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

TEST_F(Cli, APluginsLearnerIsListedWithItsPath) {
  const auto plain = hourglass("list learners");
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_FALSE(contains(plain.out, "test-plugin-mean"));
  EXPECT_TRUE(contains(plain.out, "ridge  [regression]")) << plain.out;
  EXPECT_TRUE(contains(plain.out, "    from: built-in")) << plain.out;

  const auto l = hourglass("list learners --plugin " + quoted(HOURGLASS_TEST_PLUGIN_OK));
  ASSERT_EQ(l.code, 0) << l.err;
  const auto at = l.out.find("test-plugin-mean  [regression]");
  ASSERT_NE(at, std::string::npos) << l.out;
  const std::string canonical = fs::canonical(HOURGLASS_TEST_PLUGIN_OK).string();
  EXPECT_EQ(l.out.substr(l.out.find('\n', at) + 1, 10 + canonical.size()),
            "    from: " + canonical)
      << l.out;
}

TEST_F(Cli, RunAndValidateUseAPluginsLearnerFromTheCommandLine) {
  const auto suite = write("suite.yaml", mean_suite());
  const auto without = hourglass("validate " + quoted(suite));
  EXPECT_EQ(without.code, 2);
  EXPECT_TRUE(contains(without.err, "unknown learner 'test-plugin-mean'")) << without.err;

  const std::string plugin = " --plugin " + quoted(HOURGLASS_TEST_PLUGIN_OK);
  const auto v = hourglass("validate " + quoted(suite) + plugin);
  EXPECT_EQ(v.code, 0) << v.err;
  const auto r = hourglass("run " + quoted(suite) + plugin + " --quiet --format json --out " +
                           quoted(dir_ + "/run"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto results = nlohmann::json::parse(read(dir_ + "/run/results.json"));
  ASSERT_EQ(results["trials"].size(), 2u);
  for (const auto& t : results["trials"]) {
    EXPECT_EQ(t["agent"], "mean");
    EXPECT_EQ(t["status"], "ok");
    EXPECT_EQ(t["samples_used"], 16);
  }
  EXPECT_EQ(results["environment"]["plugins"],
            nlohmann::json::array({fs::canonical(HOURGLASS_TEST_PLUGIN_OK).string()}));
  // The reproduce command names the plugin (quoted only when it needs it).
  EXPECT_TRUE(contains(results["environment"]["command"].get<std::string>(),
                       std::string(" --plugin ") + HOURGLASS_TEST_PLUGIN_OK))
      << results["environment"]["command"];
}

TEST_F(Cli, ASuiteNamesItsPluginsRelativeToItsOwnFile) {
  // The plugin sits next to the suite; the suite is run from elsewhere.
  fs::create_directories(dir_ + "/suites");
  fs::copy_file(HOURGLASS_TEST_PLUGIN_OK, dir_ + "/suites/libmine.so");
  const auto suite = dir_ + "/suites/suite.yaml";
  std::ofstream(suite) << mean_suite("plugins: [libmine.so]\n");
  const auto v = hourglass("validate " + quoted(suite));
  EXPECT_EQ(v.code, 0) << v.err;
  const auto r =
      hourglass("run " + quoted(suite) + " --quiet --out " + quoted(dir_ + "/run"));
  EXPECT_EQ(r.code, 0) << r.err;
  // An include's plugins count too, relative to the included file.
  fs::create_directories(dir_ + "/top");
  const auto top = write("top/top.yaml", "include: [../suites/suite.yaml]\nsuite: top\n");
  EXPECT_EQ(hourglass("validate " + quoted(top)).code, 0);
  // The same plugin from --plugin and from the suite is loaded once.
  const auto both = hourglass("validate " + quoted(suite) + " --plugin " +
                              quoted(dir_ + "/suites/libmine.so"));
  EXPECT_EQ(both.code, 0) << both.err;
}

TEST_F(Cli, AMissingPluginIsRefusedNamingTheFile) {
  const auto missing = dir_ + "/nowhere/libgone.so";
  const auto l = hourglass("list families --plugin " + quoted(missing));
  EXPECT_EQ(l.code, 2);
  EXPECT_TRUE(contains(l.err, "plugin " + missing + ": no such file")) << l.err;
  EXPECT_TRUE(l.out.empty()) << l.out;

  // Named by a suite: located at the entry, and nothing runs.
  const auto suite = write("suite.yaml", mean_suite("plugins:\n  - libgone.so\n"));
  const auto r = hourglass("run " + quoted(suite) + " --quiet --out " + quoted(dir_ + "/run"));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, suite + ":6:5: error: plugin " + dir_ + "/libgone.so: no such file"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/run"));
}

TEST_F(Cli, AFileThatIsNotASharedLibraryIsRefused) {
  const auto text = write("libfake.so", "not a library\n");
  const auto r = hourglass("validate suites/smoke.yaml --plugin " + quoted(text));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "plugin " + text + ": not a shared library")) << r.err;
  // An ELF file that is not a loadable library (an executable) is refused too.
  const auto exe = hourglass("validate suites/smoke.yaml --plugin " + quoted(HOURGLASS_BINARY));
  EXPECT_EQ(exe.code, 2);
  EXPECT_TRUE(contains(exe.err, std::string("plugin ") + HOURGLASS_BINARY + ": ")) << exe.err;
}

TEST_F(Cli, APluginWithoutTheVersionSymbolIsRefused) {
  const auto r = hourglass("list learners --plugin " + quoted(HOURGLASS_TEST_PLUGIN_UNVERSIONED));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, std::string("plugin ") + HOURGLASS_TEST_PLUGIN_UNVERSIONED +
                                  ": not an Hourglass plugin: it does not export "
                                  "hourglass_plugin_version"))
      << r.err;
}

TEST_F(Cli, APluginBuiltAgainstAnotherVersionIsRefused) {
  const auto r =
      hourglass("list learners --plugin " + quoted(HOURGLASS_TEST_PLUGIN_OTHER_VERSION));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, std::string("plugin ") + HOURGLASS_TEST_PLUGIN_OTHER_VERSION +
                                  ": built against Hourglass 0.0.0-other, but this is Hourglass "))
      << r.err;
  EXPECT_FALSE(contains(r.out, "test-plugin-mean"));
}

TEST_F(Cli, APluginThatRegistersAnExistingNameIsRefused) {
  const auto r = hourglass("list learners --plugin " + quoted(HOURGLASS_TEST_PLUGIN_DUPLICATE));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, std::string("plugin ") + HOURGLASS_TEST_PLUGIN_DUPLICATE +
                                  ": registers the learner 'ridge', which is registered "
                                  "already (built-in)"))
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  // Two plugins that register the same name: the second is refused, naming
  // the first as the owner.
  fs::copy_file(HOURGLASS_TEST_PLUGIN_OK, dir_ + "/libcopy.so");
  const auto twice = hourglass("list learners --plugin " + quoted(HOURGLASS_TEST_PLUGIN_OK) +
                               " --plugin " + quoted(dir_ + "/libcopy.so"));
  EXPECT_EQ(twice.code, 2);
  EXPECT_TRUE(contains(twice.err, "plugin " + dir_ + "/libcopy.so: registers the learner "
                                  "'test-plugin-mean', which is registered already (" +
                                  fs::canonical(HOURGLASS_TEST_PLUGIN_OK).string() + ")"))
      << twice.err;
}

}  // namespace
}  // namespace hg::testing
