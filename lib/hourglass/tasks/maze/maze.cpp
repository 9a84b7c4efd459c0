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
#include "hourglass/tasks/maze/maze.h"

#include <algorithm>
#include <memory>
#include <string>

#include "hourglass/core/random.h"
#include "hourglass/tasks/family.h"
#include "hourglass/tasks/interactive.h"

namespace hg {
namespace maze {

int shortest_path(const uint8_t* wall, int size, int from, int to, Scratch& scratch) {
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
// checks; positions are padded indices.
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
    wall_.assign(static_cast<size_t>(n * width_ * width_), 1);
    pos_.assign(n, 0);
    goal_.assign(n, 0);
    steps_.assign(n, 0);
    const int window = 2 * radius_ + 1;
    obs_dim_ = full_ ? 3 * int64_t{size_} * size_ : 2 * window * window + (goal_direction_ ? 2 : 0);
    const int offsets[4] = {-width_, 1, width_, -1};  // up, right, down, left
    std::copy(offsets, offsets + 4, move_);
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
    maze::generate(level_seed, size_, density_, level_, scratch_);
    uint8_t* grid = &wall_[k * width_ * width_];
    for (int y = 0; y < size_; ++y)
      std::copy_n(&level_.wall[y * size_], size_, grid + (y + pad_) * width_ + pad_);
    pos_[k] = padded(level_.start);
    goal_[k] = padded(level_.goal);
    steps_[k] = 0;
    write_obs(k, obs);
  }

  void do_step(const int64_t* actions, LevelSchedule& levels, float* obs, float* reward,
               bool* done) override {
    const int64_t n = population() * copies();
    const float cost = static_cast<float>(step_cost_);
    const int64_t cells = int64_t{width_} * width_;
    for (int64_t k = 0; k < n; ++k) {
      const uint8_t* grid = &wall_[k * cells];
      const int next = pos_[k] + move_[actions[k]];
      if (!grid[next]) pos_[k] = next;
      const bool reached = pos_[k] == goal_[k];
      const bool end = reached || ++steps_[k] >= max_steps_;
      reward[k] = reached ? 1.0f - cost : -cost;
      done[k] = end;
      if (end)
        do_reset(k, levels.next(k / copies(), k % copies()), obs + k * obs_dim_);
      else
        write_obs(k, obs + k * obs_dim_);
    }
  }

 private:
  int padded(int cell) const { return (cell / size_ + pad_) * width_ + cell % size_ + pad_; }

  void write_obs(int64_t k, float* o) const {
    const uint8_t* grid = &wall_[k * width_ * width_];
    const int px = pos_[k] % width_, py = pos_[k] / width_;
    const int gx = goal_[k] % width_, gy = goal_[k] / width_;
    if (full_) {
      const int cells = size_ * size_;
      std::fill(o + cells, o + 3 * cells, 0.0f);
      for (int y = 0; y < size_; ++y) {
        const uint8_t* row = grid + (y + pad_) * width_ + pad_;
        for (int x = 0; x < size_; ++x) o[y * size_ + x] = row[x];
      }
      o[cells + (gy - pad_) * size_ + gx - pad_] = 1.0f;
      o[2 * cells + (py - pad_) * size_ + px - pad_] = 1.0f;
      return;
    }
    const int window = 2 * radius_ + 1;
    float* goal_plane = o + window * window;
    for (int dy = 0; dy < window; ++dy) {
      const uint8_t* row = grid + (py - radius_ + dy) * width_ + px - radius_;
      for (int dx = 0; dx < window; ++dx) o[dy * window + dx] = row[dx];
    }
    std::fill(goal_plane, goal_plane + window * window, 0.0f);
    const int gdx = gx - px + radius_, gdy = gy - py + radius_;
    if (gdx >= 0 && gdy >= 0 && gdx < window && gdy < window) goal_plane[gdy * window + gdx] = 1.0f;
    if (goal_direction_) {
      o[2 * window * window] = static_cast<float>(gx - px) / static_cast<float>(size_);
      o[2 * window * window + 1] = static_cast<float>(gy - py) / static_cast<float>(size_);
    }
  }

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
  std::vector<int32_t> pos_, goal_, steps_;
  maze::Level level_;       // generation buffers, reused
  maze::Scratch scratch_;
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
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
