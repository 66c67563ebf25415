#include "narformer/eval/plots.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "narformer/core/atomic_file.h"

namespace narformer {

namespace fs = std::filesystem;

namespace {

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

bool gnuplot_available() {
  return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

void write_scatter(const PlotRequest& r, const fs::path& dir) {
  // One gnuplot data block per group (separated by two blank lines, addressed by `index`).
  std::map<std::string, std::vector<size_t>> by_group;
  for (size_t i = 0; i < r.truths.size(); ++i)
    by_group[r.groups.empty() ? "all" : r.groups[i]].push_back(i);
  std::ostringstream data, titles;
  double low = 1e300, high = -1e300;
  for (const auto& [group, items] : by_group) {
    data << "# " << group << "\n";
    for (const size_t i : items) {
      data << r.truths[i] << ' ' << r.predictions[i] << '\n';
      low = std::min({low, r.truths[i], r.predictions[i]});
      high = std::max({high, r.truths[i], r.predictions[i]});
    }
    data << "\n\n";
    titles << (titles.tellp() > 0 ? " " : "") << group;
  }
  write_file_atomic((dir / "pred_vs_true.dat").string(), data.str());
  std::ostringstream gp;
  gp << "reset\nset terminal pngcairo size 900,750 noenhanced\n"
     << "set output " << quoted((dir / "pred_vs_true.png").string()) << "\n"
     << "set title 'predicted vs measured (" << r.truths.size() << " test items)'\n"
     << "set xlabel 'measured " << r.quantity << "'\nset ylabel 'predicted " << r.quantity << "'\n"
     << (r.log_scale ? "set logscale xy\n" : "") << "set key left top\nset grid\n"
     << "set xrange [" << low << ":" << high << "]\nset yrange [" << low << ":" << high << "]\n"
     << "titles = '" << titles.str() << "'\n"
     << "plot for [i=1:words(titles)] " << quoted((dir / "pred_vs_true.dat").string())
     << " index (i-1) using 1:2 with points pt 7 ps 0.5 title word(titles, i), x with lines lc "
        "'black' title 'y = x'\n";
  write_file_atomic((dir / "pred_vs_true.gp").string(), gp.str());
}

bool write_curves(const PlotRequest& r, const fs::path& dir) {
  std::ifstream in(r.metrics_file);
  if (!in) return false;
  std::ostringstream data;
  data << "# epoch loss val_kendall_tau val_mape\n";
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      data << j.at("epoch").get<int64_t>() << ' ' << j.at("loss").get<double>() << ' '
           << (j.contains("val_kendall_tau") ? std::to_string(j["val_kendall_tau"].get<double>())
                                             : "NaN")
           << ' ' << (j.contains("val_mape") ? std::to_string(j["val_mape"].get<double>()) : "NaN")
           << '\n';
      ++lines;
    } catch (const std::exception&) {
    }
  }
  if (lines == 0) return false;
  write_file_atomic((dir / "learning_curves.dat").string(), data.str());
  const std::string dat = quoted((dir / "learning_curves.dat").string());
  std::ostringstream gp;
  gp << "reset\nset terminal pngcairo size 900,900 noenhanced\n"
     << "set output " << quoted((dir / "learning_curves.png").string()) << "\n"
     << "set datafile missing 'NaN'\nset multiplot layout 2,1\nset grid\nset xlabel 'epoch'\n"
     << "set ylabel 'training loss'\nset logscale y\nplot " << dat
     << " using 1:2 with lines title 'loss'\n"
     << "unset logscale y\nset ylabel 'validation'\nset y2label 'validation MAPE'\nset ytics "
        "nomirror\nset y2tics\n"
     << "plot " << dat << " using 1:3 with linespoints pt 7 ps 0.4 title 'Kendall tau', " << dat
     << " using 1:4 axes x1y2 with linespoints pt 7 ps 0.4 title 'MAPE'\nunset multiplot\n";
  write_file_atomic((dir / "learning_curves.gp").string(), gp.str());
  return true;
}

}  // namespace

/// Renders `script` with gnuplot when it is installed; says what was written either way.
PlotResult render(const fs::path& script, const fs::path& png) {
  PlotResult result;
  if (!gnuplot_available()) {
    result.message =
        "gnuplot not found: install gnuplot-nox, then run `gnuplot " + script.string() + "`";
    return result;
  }
  result.rendered =
      std::system(("gnuplot " + quoted(script.string()) + " 2>/dev/null").c_str()) == 0;
  result.message =
      result.rendered ? "plot: " + png.string() : "gnuplot failed on " + script.string();
  return result;
}

PlotResult write_front_plot(const FrontPlotRequest& r) {
  const fs::path dir(r.dir);
  std::ostringstream data;
  data << "# latency_ms accuracy (every candidate)\n";
  for (size_t i = 0; i < r.accuracy.size(); ++i)
    data << r.latency_ms[i] << ' ' << r.accuracy[i] << '\n';
  data << "\n\n# the predicted Pareto front\n";
  for (size_t i : r.front) data << r.latency_ms[i] << ' ' << r.accuracy[i] << '\n';
  write_file_atomic((dir / "front.dat").string(), data.str());
  const std::string dat = quoted((dir / "front.dat").string());
  std::ostringstream gp;
  gp << "reset\nset terminal pngcairo size 900,700 noenhanced\n"
     << "set output " << quoted((dir / "front.png").string()) << "\n"
     << "set title '" << r.title << "'\nset xlabel 'predicted latency (ms)'\n"
     << "set ylabel 'predicted accuracy'\nset grid\nset key right bottom\n";
  if (r.max_latency_ms > 0 && std::isfinite(r.max_latency_ms))
    gp << "set arrow from " << r.max_latency_ms << ", graph 0 to " << r.max_latency_ms
       << ", graph 1 nohead dt 2 lc 'red'\n"
       << "set label 'budget' at " << r.max_latency_ms
       << ", graph 0.95 left offset 0.5,0 tc 'red'\n";
  gp << "plot " << dat
     << " index 0 using 1:2 with points pt 7 ps 0.3 lc 'gray' title 'candidates', " << dat
     << " index 1 using 1:2 with linespoints pt 7 ps 0.8 lc 'blue' title 'predicted front'\n";
  write_file_atomic((dir / "front.gp").string(), gp.str());
  return render(dir / "front.gp", dir / "front.png");
}

PlotResult write_plots(const PlotRequest& request) {
  const fs::path dir(request.dir);
  PlotResult result;
  write_scatter(request, dir);
  const bool curves = !request.metrics_file.empty() && write_curves(request, dir);
  if (!gnuplot_available()) {
    result.message = "gnuplot not found: install gnuplot-nox, then run `gnuplot " +
                     (dir / "pred_vs_true.gp").string() + "`" +
                     (curves ? " and `gnuplot " + (dir / "learning_curves.gp").string() + "`" : "");
    return result;
  }
  const std::string command = "gnuplot " + quoted((dir / "pred_vs_true.gp").string()) +
                              (curves ? " " + quoted((dir / "learning_curves.gp").string()) : "") +
                              " 2>/dev/null";
  result.rendered = std::system(command.c_str()) == 0;
  result.message = result.rendered
                       ? "plots: " + (dir / "pred_vs_true.png").string() +
                             (curves ? ", " + (dir / "learning_curves.png").string() : "")
                       : "gnuplot failed on " + (dir / "pred_vs_true.gp").string();
  return result;
}

}  // namespace narformer
