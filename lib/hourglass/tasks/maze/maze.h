// `maze` level generation and shortest paths, exposed for tests.
#pragma once

#include <cstdint>
#include <vector>

namespace hg::maze {

// A size x size grid, cell index y * size + x; outside the grid is wall.
struct Level {
  int size = 0;
  std::vector<uint8_t> wall;  // size * size, 1 = wall
  int start = 0;
  int goal = 0;
  int shortest = 0;  // moves from start to goal (breadth-first search)
};

// Reusable buffers of the breadth-first search (no allocation per level).
struct Scratch {
  std::vector<int> dist, queue;
};

// The level of this seed: start and goal distinct free cells, every other cell
// a wall with probability `density`, redrawn until the goal is reachable
// (after 64 failed draws the walls are dropped: every level is solvable).
Level generate(uint64_t level_seed, int size, double density);
// The same into `level`, reusing its storage and `scratch`.
void generate(uint64_t level_seed, int size, double density, Level& level, Scratch& scratch);

// Moves from `from` to `to` (4-neighbourhood), or -1 when unreachable. Grids
// up to 64 wide are searched a whole frontier at a time on bit rows, wider
// ones with a queue (`scratch`); the distances are the same.
int shortest_path(const std::vector<uint8_t>& wall, int size, int from, int to);
int shortest_path(const uint8_t* wall, int size, int from, int to, Scratch& scratch);

// Action ids: 0 up (y - 1), 1 right (x + 1), 2 down (y + 1), 3 left (x - 1).
inline constexpr int kDx[4] = {0, 1, 0, -1};
inline constexpr int kDy[4] = {-1, 0, 1, 0};

}  // namespace hg::maze
