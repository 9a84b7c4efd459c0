// The renderer of each format (internal to lib/hourglass/report; callers use
// make_renderer in renderer.h).
#pragma once

#include <memory>

#include "hourglass/report/renderer.h"

namespace hg::report {

std::unique_ptr<Renderer> make_table_renderer();     // renderer.cpp
std::unique_ptr<Renderer> make_markdown_renderer();  // renderer.cpp
std::unique_ptr<Renderer> make_latex_renderer();     // renderer.cpp
std::unique_ptr<Renderer> make_csv_renderer();       // csv_renderer.cpp
std::unique_ptr<Renderer> make_json_renderer();      // json_renderer.cpp
std::unique_ptr<Renderer> make_html_renderer();      // html_renderer.cpp

}  // namespace hg::report
