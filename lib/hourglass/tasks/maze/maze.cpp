// `maze`: Procgen-style procedural grid mazes (Cobbe et al. 2020), one level
// per level seed.
//
// A level (maze.h) is a `size` x `size` grid with random walls of the given
// `density`, a start and a goal, always solvable. Four moves; walking into a
// wall or off the grid stays put. Reward -step_cost per step, plus 1 on the
// step that reaches the goal (which ends the episode); the episode also ends
// after max_steps steps (0: size^2).
//
// Observation, `window` (default): an egocentric (2 view_radius + 1)^2 window
// as two planes (wall, goal; off-grid cells are walls), then, with
// goal_direction, the goal's offset (dx, dy) / size. Its size does not depend
// on `size`, so larger mazes can be an OOD split. `full`: three size^2 planes
// (wall, goal, agent).
//
// References per level: optimal = 1 - step_cost * d with d the breadth-first
// shortest path (or -step_cost * max_steps when d > max_steps), summed from
// the float rewards as an episode is; trivial: the random policy, estimated by
// the harness.
//
// Speed (docs/families.md): bit-row breadth-first search, levels cached per
// environment by level seed, window rows copied four cells at a time.
#include "hourglass/tasks/maze/maze.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hourglass/core/random.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

namespace hg {
namespace maze {

namespace {

// Breadth-first search one whole frontier at a time on bit rows (size <= 64):
// row y of the frontier is a word with bit x set for cell (x, y), and a layer
// is grown by shifts and ors, masked with the free cells not yet visited. The
// number of layers until the goal's bit appears is the breadth-first distance.
int shortest_path_bits(const uint8_t* wall, int size, int from, int to) {
  if (from == to) return 0;
  // Rows are stored at y + 1 so that the neighbours of rows 0 and size - 1
  // are the zero rows 0 and size + 1.
  uint64_t open[66], seen[66], a[66] = {}, b[66] = {};
  for (int64_t y = 0; y < size; ++y) {
    uint64_t row = 0;
    const uint8_t* w = wall + y * size;
    for (int x = 0; x < size; ++x) row |= static_cast<uint64_t>(!w[x]) << x;
    open[y + 1] = row;
    seen[y + 1] = 0;
  }
  const int fy = from / size + 1, ty = to / size + 1;
  const uint64_t target = uint64_t{1} << (to % size);
  a[fy] = seen[fy] = uint64_t{1} << (from % size);
  uint64_t* frontier = a;
  uint64_t* next = b;
  // Rows lo..hi may hold frontier bits; the range only grows, so every row of
  // `next` that is not rewritten is still zero.
  int lo = fy, hi = fy;
  for (int d = 1;; ++d) {
    lo = std::max(lo - 1, 1);
    hi = std::min(hi + 1, size);
    uint64_t any = 0;
    for (int y = lo; y <= hi; ++y) {
      const uint64_t f = frontier[y];
      const uint64_t grown =
          ((f << 1) | (f >> 1) | frontier[y - 1] | frontier[y + 1]) & open[y] & ~seen[y];
      next[y] = grown;
      seen[y] |= grown;
      any |= grown;
    }
    if (next[ty] & target) return d;
    if (!any) return -1;
    std::swap(frontier, next);
  }
}

}  // namespace

int shortest_path(const uint8_t* wall, int size, int from, int to, Scratch& scratch) {
  if (size <= 64) return shortest_path_bits(wall, size, from, to);
  auto& dist = scratch.dist;
  auto& queue = scratch.queue;
  dist.assign(static_cast<size_t>(size) * size, -1);
  queue.clear();
  queue.push_back(from);
  dist[from] = 0;
  for (size_t head = 0; head < queue.size(); ++head) {
    const int c = queue[head];
    if (c == to) return dist[c];
    const int x = c % size, y = c / size;
    for (int a = 0; a < 4; ++a) {
      const int nx = x + kDx[a], ny = y + kDy[a];
      if (nx < 0 || ny < 0 || nx >= size || ny >= size) continue;
      const int nc = ny * size + nx;
      if (wall[nc] || dist[nc] >= 0) continue;
      dist[nc] = dist[c] + 1;
      queue.push_back(nc);
    }
  }
  return -1;
}

int shortest_path(const std::vector<uint8_t>& wall, int size, int from, int to) {
  Scratch scratch;
  return shortest_path(wall.data(), size, from, to, scratch);
}

void generate(uint64_t level_seed, int size, double density, Level& level, Scratch& scratch) {
  Rng rng(level_seed);
  level.size = size;
  const int cells = size * size;
  level.wall.assign(cells, 0);
  // Walls from 16-bit chunks of the stream: density is quantized to 1/65536.
  const auto threshold = static_cast<uint32_t>(density * 65536.0);
  for (int attempt = 0; attempt < 64; ++attempt) {
    level.start = static_cast<int>(rng.below(cells));
    level.goal = static_cast<int>(rng.below(cells - 1));
    if (level.goal >= level.start) ++level.goal;
    uint64_t bits = 0;
    for (int c = 0; c < cells; ++c) {
      if (c % 4 == 0) bits = rng.next_u64();
      level.wall[c] = static_cast<uint8_t>((bits & 0xFFFF) < threshold);
      bits >>= 16;
    }
    level.wall[level.start] = level.wall[level.goal] = 0;
    level.shortest = shortest_path(level.wall.data(), size, level.start, level.goal, scratch);
    if (level.shortest > 0) return;
  }
  std::fill(level.wall.begin(), level.wall.end(), 0);
  level.shortest = shortest_path(level.wall.data(), size, level.start, level.goal, scratch);
}

Level generate(uint64_t level_seed, int size, double density) {
  Level level;
  Scratch scratch;
  generate(level_seed, size, density, level, scratch);
  return level;
}

}  // namespace maze

namespace {

// Each copy's grid is stored padded with `pad` = view_radius cells of wall on
// every side (width W = size + 2 pad), so moves and the window need no bounds
// checks; positions are padded indices, with the padded coordinates kept
// alongside so that no step divides.
class Maze final : public Environment {
 public:
  Maze(const Params& p, int64_t population, int64_t copies)
      : Environment(population, copies),
        size_(static_cast<int>(p.integer("size"))),
        density_(p.real("density")),
        step_cost_(p.real("step_cost")),
        max_steps_(p.integer("max_steps") > 0 ? p.integer("max_steps")
                                              : int64_t{size_} * size_),
        full_(p.choice("observation") == "full"),
        radius_(static_cast<int>(p.integer("view_radius"))),
        goal_direction_(p.boolean("goal_direction")),
        pad_(radius_),
        width_(size_ + 2 * pad_) {
    const int64_t n = population * copies;
    wall_.assign(static_cast<size_t>(n * width_ * width_) + kSlack, 1);
    pos_.assign(n, 0);
    goal_.assign(n, 0);
    x_.assign(n, 0);
    y_.assign(n, 0);
    gx_.assign(n, 0);
    gy_.assign(n, 0);
    steps_.assign(n, 0);
    const int window = 2 * radius_ + 1;
    obs_dim_ = full_ ? 3 * int64_t{size_} * size_ : 2 * window * window + (goal_direction_ ? 2 : 0);
    const int offsets[4] = {-width_, 1, width_, -1};  // up, right, down, left
    std::copy(offsets, offsets + 4, move_);
    // Level cache: up to kCacheLevels levels and kCacheBytes of walls.
    const size_t cells = static_cast<size_t>(size_) * size_;
    while (cache_slots_ < kCacheLevels && 2 * cache_slots_ * cells <= kCacheBytes) cache_slots_ *= 2;
    cache_.assign(cache_slots_, CachedLevel{});
    cache_walls_.assign(cache_slots_ * cells, 0);
  }

  EnvSpec spec() const override { return {obs_dim_, 4, max_steps_}; }

  // The return of the shortest path, summed in double from the float rewards
  // in step order exactly as the harness sums an episode's rewards, so an
  // agent that follows it scores exactly the optimal reference.
  double optimal_return(int64_t, uint64_t level_seed) const override {
    const auto level = maze::generate(level_seed, size_, density_);
    const auto cost = static_cast<float>(step_cost_);
    const bool reachable = level.shortest <= max_steps_;
    const int64_t steps = reachable ? level.shortest : max_steps_;
    double ret = 0.0;
    for (int64_t t = 0; t + 1 < steps; ++t) ret += -cost;
    ret += reachable ? 1.0f - cost : -cost;
    return ret;
  }

 protected:
  void do_reset(int64_t k, uint64_t level_seed, float* obs) override {
    start_episode(k, level_seed);
    write_obs<0>(k, obs);
  }

  // One loop per window size that the compiler sees as a constant (the
  // common radii), so the window copy is unrolled and vectorized.
  void do_step(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
               bool* done) override {
    if (full_) return step_all<0>(actions, levels, obs, reward, done);
    switch (radius_) {
      case 1: return step_all<3>(actions, levels, obs, reward, done);
      case 2: return step_all<5>(actions, levels, obs, reward, done);
      case 3: return step_all<7>(actions, levels, obs, reward, done);
      case 4: return step_all<9>(actions, levels, obs, reward, done);
      default: return step_all<0>(actions, levels, obs, reward, done);
    }
  }

 private:
  // Levels come from a direct-mapped cache keyed by level seed (training
  // plays a finite set of levels over and over); a miss generates the level
  // and replaces the slot. Either way the level is the generator's.
  void start_episode(int64_t k, uint64_t level_seed) {
    const size_t cells = static_cast<size_t>(size_) * size_;
    const size_t slot = static_cast<size_t>(level_seed ^ (level_seed >> 29)) & (cache_slots_ - 1);
    CachedLevel& entry = cache_[slot];
    uint8_t* walls = &cache_walls_[slot * cells];
    if (!entry.valid || entry.seed != level_seed) {
      maze::generate(level_seed, size_, density_, level_, scratch_);
      std::copy_n(level_.wall.data(), cells, walls);
      entry = {level_seed, level_.start, level_.goal, true};
    }
    uint8_t* grid = &wall_[k * width_ * width_];
    for (int64_t y = 0; y < size_; ++y)
      std::copy_n(walls + y * size_, size_, grid + (y + pad_) * width_ + pad_);
    x_[k] = static_cast<int16_t>(entry.start % size_ + pad_);
    y_[k] = static_cast<int16_t>(entry.start / size_ + pad_);
    gx_[k] = static_cast<int16_t>(entry.goal % size_ + pad_);
    gy_[k] = static_cast<int16_t>(entry.goal / size_ + pad_);
    pos_[k] = y_[k] * width_ + x_[k];
    goal_[k] = gy_[k] * width_ + gx_[k];
    steps_[k] = 0;
  }

  template <int kWindow>
  void step_all(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
                bool* done) {
    const int64_t n = population() * copies();
    const float cost = static_cast<float>(step_cost_);
    const int64_t cells = int64_t{width_} * width_;
    for (int64_t k = 0; k < n; ++k) {
      const uint8_t* grid = &wall_[k * cells];
      const int64_t a = actions[k];
      const int next = pos_[k] + move_[a];
      const int moved = grid[next] ? 0 : 1;
      pos_[k] = moved ? next : pos_[k];
      x_[k] = static_cast<int16_t>(x_[k] + moved * maze::kDx[a]);
      y_[k] = static_cast<int16_t>(y_[k] + moved * maze::kDy[a]);
      const bool reached = pos_[k] == goal_[k];
      const bool end = reached || ++steps_[k] >= max_steps_;
      reward[k] = reached ? 1.0f - cost : -cost;
      done[k] = end;
      if (end) start_episode(k, levels.next(k / copies(), k % copies()));
      write_obs<kWindow>(k, obs + k * obs_dim_);
    }
  }

  // kWindow: the window's side 2 radius + 1 when known at compile time, 0
  // otherwise (and for the full grid).
  template <int kWindow>
  void write_obs(int64_t k, float* o) const {
    const uint8_t* grid = &wall_[k * width_ * width_];
    const int px = x_[k], py = y_[k], gx = gx_[k], gy = gy_[k];
    if (full_) {
      const int64_t cells = int64_t{size_} * size_;
      for (int64_t y = 0; y < size_; ++y) copy_row(grid + (y + pad_) * width_ + pad_, o + y * size_, size_);
      std::fill(o + cells, o + 3 * cells, 0.0f);  // after the rows: see copy_row
      o[cells + int64_t{gy - pad_} * size_ + gx - pad_] = 1.0f;
      o[2 * cells + int64_t{py - pad_} * size_ + px - pad_] = 1.0f;
      return;
    }
    // 64-bit, as they offset pointers.
    const int64_t window = kWindow > 0 ? kWindow : 2 * radius_ + 1;
    const int64_t radius = window / 2;
    float* goal_plane = o + window * window;
    const uint8_t* corner = grid + pos_[k] - radius * width_ - radius;
    for (int64_t dy = 0; dy < window; ++dy) copy_row(corner + dy * width_, o + dy * window, window);
    // After the rows: the last one may have spilled over its start.
    std::fill(goal_plane, goal_plane + window * window, 0.0f);
    const int64_t gdx = gx - px + radius, gdy = gy - py + radius;
    if (static_cast<uint64_t>(gdx) < static_cast<uint64_t>(window) &&
        static_cast<uint64_t>(gdy) < static_cast<uint64_t>(window))
      goal_plane[gdy * window + gdx] = 1.0f;
    if (goal_direction_) {
      o[2 * window * window] = static_cast<float>(gx - px) / static_cast<float>(size_);
      o[2 * window * window + 1] = static_cast<float>(gy - py) / static_cast<float>(size_);
    }
  }

  // out[0, n) = row[0, n) as floats (0 or 1). With SSE2, four at a time:
  // reads up to 3 bytes and writes up to 3 floats past n (the caller rewrites
  // those floats, and wall_ has kSlack bytes after the last grid).
  static void copy_row(const uint8_t* row, float* out, int64_t n) {
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    const __m128 one = _mm_set1_ps(1.0f);
    for (int64_t i = 0; i < n; i += 4) {
      uint32_t four;
      std::memcpy(&four, row + i, 4);
      const __m128i bytes = _mm_cvtsi32_si128(static_cast<int>(four));
      const __m128i ints = _mm_unpacklo_epi16(_mm_unpacklo_epi8(bytes, zero), zero);
      _mm_storeu_ps(out + i, _mm_andnot_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(ints, zero)), one));
    }
#else
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(row[i]);
#endif
  }
  static constexpr size_t kSlack = 4;
  static constexpr size_t kCacheLevels = 2048, kCacheBytes = size_t{1} << 20;

  int size_;
  double density_, step_cost_;
  int64_t max_steps_;
  bool full_;
  int radius_;
  bool goal_direction_;
  int pad_, width_;
  int move_[4] = {0, 0, 0, 0};
  int64_t obs_dim_ = 0;
  std::vector<uint8_t> wall_;  // [P * E, width * width], 1 = wall (the padding too)
  std::vector<int32_t> pos_, goal_, steps_;  // padded cell indices; steps taken
  std::vector<int16_t> x_, y_, gx_, gy_;     // padded coordinates of agent and goal
  maze::Level level_;                        // generation buffers, reused
  maze::Scratch scratch_;
  struct CachedLevel {
    uint64_t seed = 0;
    int32_t start = 0, goal = 0;
    bool valid = false;
  };
  size_t cache_slots_ = 1;            // a power of two
  std::vector<CachedLevel> cache_;    // [cache_slots_]
  std::vector<uint8_t> cache_walls_;  // [cache_slots_, size * size]
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "maze";
  info.doc = "procedural grid mazes, one per level seed (Procgen-style); optimal = BFS path";
  info.kind = TaskKind::kInteractive;
  info.params = interactive_params({
      ParamSpec::Int("size", 9, 3, 255, "the grid is size x size cells"),
      ParamSpec::Real("density", 0.3, 0.0, 0.6, "probability that a cell is a wall"),
      ParamSpec::Real("step_cost", 0.01, 0.0, 1.0, "reward -step_cost per step (+1 at the goal)"),
      ParamSpec::Int("max_steps", 0, 0, 1e6, "episode limit (0 = size^2)"),
      ParamSpec::Choice("observation", "window", {"window", "full"},
                        "egocentric window (size-independent) or the full grid"),
      ParamSpec::Int("view_radius", 2, 1, 16, "radius of the egocentric window"),
      ParamSpec::Bool("goal_direction", true, "window: append the goal's offset / size"),
  });
  info.make_environment = [](const Params& p, const std::vector<uint64_t>& seeds, int64_t copies) {
    return std::make_unique<Maze>(p, static_cast<int64_t>(seeds.size()), copies);
  };
  info.suggested_ood = {
      {"larger", {{"size", int64_t{11}}}, "larger mazes than the default 9 x 9"},
      {"denser", {{"density", 0.45}}, "more walls"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
