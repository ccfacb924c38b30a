// What several GUI tests share: where the node executable is, and screenshots of what a test
// built, to look at it (set RT_SCREENSHOT_DIR=dir).
#pragma once

#include <QString>
#include <QWidget>
#include <filesystem>

namespace rt::gui::test {

// Tests that start real clusters skip themselves when it is not built.
inline const std::filesystem::path kNodeBinary =
    std::filesystem::path(RT_BIN_DIR) / "raintree-node";

inline void saveShot(QWidget& widget, const char* name) {
  const QString dir = qEnvironmentVariable("RT_SCREENSHOT_DIR");
  if (!dir.isEmpty()) widget.grab().save(dir + QLatin1Char('/') + QLatin1String(name));
}

}  // namespace rt::gui::test
