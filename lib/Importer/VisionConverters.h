//===- VisionConverters.h - registration of the vision converters -*- C++
//-*-===//
//
// Internal to the importer: GridSample and DeformConv
// (GridSampleConverters.cpp), RoiAlign (RoiAlignConverter.cpp), MaxUnpool
// (MaxUnpoolConverter.cpp). Declared apart from OpRegistry.h, which every
// converter includes, so that this family's additions rebuild only its files.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_VISIONCONVERTERS_H
#define AUTOGLM_LIB_IMPORTER_VISIONCONVERTERS_H

namespace autoglm::importer {
class OpRegistry;

void registerGridSampleConverters(OpRegistry &registry);
void registerRoiAlignConverter(OpRegistry &registry);
void registerMaxUnpoolConverter(OpRegistry &registry);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_VISIONCONVERTERS_H
