// The mode comparison view: loads a `raintree-lab compare --json` file and draws, for each of
// four metrics (payload copies per node, wire bytes, time to last delivery, coverage), bars
// grouped by payload size with one bar per mode. A file that cannot be read or is not such a
// report is refused with a message naming the problem, and what was shown before stays.
#pragma once

#include <array>
#include <optional>

#include "plots/compare_data.hpp"
#include "plots/plot_panel.hpp"

class QCPAxisRect;
class QCPBars;
class QCPBarsGroup;
class QCPLayoutGrid;
class QCPLegend;

namespace rt::gui {

class ComparePlot : public PlotPanel {
  Q_OBJECT

 public:
  explicit ComparePlot(QWidget* parent = nullptr);
  ~ComparePlot() override;

  // Loads and shows `path`; on failure keeps the current data, shows why in the panel and
  // returns false with the same text in `error`.
  bool load(const QString& path, QString* error = nullptr);
  // Asks for a file and loads it; a failure is also reported in a message box.
  bool openWithDialog();

  const std::optional<CompareData>& data() const { return data_; }
  QString errorText() const { return error_; }
  // The bars of `mode` in the `metric` panel; nullptr when the mode is not loaded.
  QCPBars* bars(CompareMetric metric, const QString& mode) const;
  std::vector<QStringList> csvRows() const override;

 protected:
  void redraw() override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void rebuild();  // new data: new bars and categories

  std::optional<CompareData> data_;
  QString source_;
  QString error_;
  QString last_dir_;
  QCPLegend* legend_;
  QCPLayoutGrid* grid_;
  std::array<QCPAxisRect*, kCompareMetrics.size()> rects_{};
  std::array<QCPBarsGroup*, kCompareMetrics.size()> groups_{};  // the modes side by side
  std::vector<std::pair<QString, std::array<QCPBars*, kCompareMetrics.size()>>> bars_;  // by mode
};

}  // namespace rt::gui
