// The studio's look: Fusion style, a light palette, readable fonts and the stylesheet in
// resources/theme/studio.qss.
#pragma once

class QApplication;

namespace rt::gui {

// Registers the icons and the theme compiled into raintree_widgets (applyStudioTheme does it
// too; tests that build widgets without the theme call this).
void initResources();
void applyStudioTheme(QApplication& app);

}  // namespace rt::gui
