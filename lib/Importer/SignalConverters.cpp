//===- SignalConverters.cpp - ONNX DFT and the window functions -----------===//
//
// The signal-processing operators of opset 17+. The windows (HannWindow,
// HammingWindow, BlackmanWindow) and MelWeightMatrix depend only on
// parameters that must be known at compile time: they are constants. DFT is
// a product with constant cosine and sine tables along the transformed axis,
// in float64 (an O(N^2) DFT; the signals of inference models are short
// frames); STFT gathers the frames and applies the window before it.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"
#include "TensorConversion.h"

#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/Support/MathExtras.h"
#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// The largest window or DFT table built as a constant (elements).
constexpr int64_t kMaxTableElements = int64_t(1) << 24;

//===----------------------------------------------------------------------===//
// Windows
//===----------------------------------------------------------------------===//

/// cos and sin of 2*pi*m/L, exact at the multiples of a quarter turn (so the
/// imaginary part of the DC and Nyquist bins of a real signal is exactly 0).
std::pair<double, double> unitRoot(int64_t m, int64_t length) {
  m %= length;
  if ((4 * m) % length == 0) {
    switch (4 * m / length) {
    case 0:
      return {1, 0};
    case 1:
      return {0, 1};
    case 2:
      return {-1, 0};
    default:
      return {0, -1};
    }
  }
  double angle = 2 * llvm::numbers::pi * static_cast<double>(m) / length;
  return {std::cos(angle), std::sin(angle)};
}

/// A window w[n], n = 0 .. size-1, as a function of cos(phi) and
/// cos(2 phi), phi = 2*pi*n / N where N is size (periodic, the default) or
/// size - 1.
using WindowFn = double (*)(double cosPhase, double cosDoublePhase);

LogicalResult convertWindow(NodeContext &n, WindowFn window) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  FailureOr<int64_t> size = n.knownScalar(0, "size");
  if (failed(size))
    return failure();
  if (*size < 0 || *size > kMaxTableElements)
    return n.emitError() << "size " << *size << " is out of range [0, "
                         << kMaxTableElements << "]";
  if (*size == 0)
    return n.emitError() << "size 0 gives an empty window, which compiled "
                            "models cannot return";
  int64_t code = n.intAttr("output_datatype", 1);
  Type element = convertElementType(static_cast<int32_t>(code), n.ctx);
  auto floatType = dyn_cast_or_null<FloatType>(element);
  if (!floatType)
    return n.emitError() << "output_datatype must be a floating-point type, "
                            "got "
                         << onnxTypeName(static_cast<int32_t>(code));
  bool periodic = n.intAttr("periodic", 1) != 0;
  int64_t period = periodic ? *size : *size - 1;
  SmallVector<APFloat> values;
  values.reserve(*size);
  for (int64_t i = 0; i < *size; ++i) {
    // A symmetric window of size 1 has N = 0: its one sample takes phase 0
    // (ONNX's reference divides by zero).
    double cosPhase = period == 0 ? 1 : unitRoot(i, period).first;
    double cosDouble = period == 0 ? 1 : unitRoot(2 * i, period).first;
    APFloat value(window(cosPhase, cosDouble));
    bool lost;
    value.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &lost);
    values.push_back(value);
  }
  auto type = RankedTensorType::get({*size}, floatType);
  return n.finish(n.constant(DenseElementsAttr::get(type, values)));
}

LogicalResult convertHannWindow(NodeContext &n) {
  // sin^2(phi / 2)
  return convertWindow(
      n, [](double cosPhase, double) { return (1 - cosPhase) / 2; });
}

LogicalResult convertHammingWindow(NodeContext &n) {
  // ONNX's coefficients: 25/46 and 21/46.
  return convertWindow(n, [](double cosPhase, double) {
    return 25.0 / 46.0 - 21.0 / 46.0 * cosPhase;
  });
}

LogicalResult convertBlackmanWindow(NodeContext &n) {
  return convertWindow(n, [](double cosPhase, double cosDoublePhase) {
    return 0.42 - 0.5 * cosPhase + 0.08 * cosDoublePhase;
  });
}

//===----------------------------------------------------------------------===//
// DFT
//===----------------------------------------------------------------------===//

/// A [rows, cols] constant of `element` from doubles.
Value table(NodeContext &n, int64_t rows, int64_t cols, Type element,
            ArrayRef<double> values) {
  auto floatType = cast<FloatType>(element);
  SmallVector<APFloat> converted;
  converted.reserve(values.size());
  for (double v : values) {
    APFloat value(v);
    bool lost;
    value.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &lost);
    converted.push_back(value);
  }
  return n.constant(DenseElementsAttr::get(
      RankedTensorType::get({rows, cols}, element), converted));
}

/// The DFT of `input` (static shape, the last axis holding 1 (real) or 2
/// (real, imaginary) components) along `axis` over `length` samples (the
/// input is cut or zero-padded): forward or `inverse` (scaled by 1/L),
/// `onesided` keeping bins 0 .. L/2 of a forward transform, or, inverse,
/// taking them and returning the real signal (irfft). Each output component
/// is a sum of products of the input components with constant cos/sin
/// tables:
///   forward: Yr = xr·C + xi·S,  Yi = xi·C − xr·S
///   inverse: yr = (Xr·C − Xi·S)/L,  yi = (Xr·S + Xi·C)/L
/// with C[n, k] = cos(2πnk/L), S[n, k] = sin(2πnk/L); the irfft weighs the
/// bins 1 .. ceil(L/2)-1 twice (their conjugates are implied). Null after a
/// diagnostic.
Value buildDFT(NodeContext &n, Value input, int64_t axis, int64_t length,
               bool inverse, bool onesided) {
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  int64_t components = type.getDimSize(rank - 1);
  int64_t samples = type.getDimSize(axis);
  bool realOutput = inverse && onesided;
  int64_t bins = !inverse && onesided ? length / 2 + 1 : length;
  if (samples * bins > kMaxTableElements) {
    n.emitError() << "a DFT of " << samples << " samples into " << bins
                  << " bins is too large for its constant tables";
    return nullptr;
  }
  // Tables [samples, bins] of the contributions of input sample (or bin) s
  // to output bin (or sample) k: real part from the real and the imaginary
  // component, imaginary part likewise.
  SmallVector<double> realFromReal, realFromImag, imagFromReal, imagFromImag;
  double scale = inverse ? 1.0 / length : 1.0;
  // Inputs beyond dft_length (or, irfft, beyond bin L/2) are cut.
  int64_t used = realOutput ? std::min(samples, length / 2 + 1)
                            : std::min(samples, length);
  for (int64_t s = 0; s < samples; ++s) {
    double weight = s >= used ? 0 : scale;
    if (realOutput && s > 0 && 2 * s != length)
      weight *= 2;
    for (int64_t k = 0; k < bins; ++k) {
      auto [c, sn] = unitRoot(s * k, length);
      double sign = inverse ? 1 : -1;
      // (a + ib)(c + i·sign·sn)
      realFromReal.push_back(weight * c);
      realFromImag.push_back(-weight * sign * sn);
      imagFromReal.push_back(weight * sign * sn);
      imagFromImag.push_back(weight * c);
    }
  }

  // Move the transformed axis last and flatten the others:
  // [others, samples], per component.
  SmallVector<int64_t> permutation;
  for (int64_t d = 0; d < rank - 1; ++d)
    if (d != axis)
      permutation.push_back(d);
  permutation.push_back(axis);
  permutation.push_back(rank - 1);
  // The sums run in float64, cast back at the end: a bin that is exactly
  // zero (a cancellation) stays zero to float32 resolution, as with an FFT.
  Type f64 = n.b.getF64Type();
  Value wide = n.castTo(input, f64);
  Value moved = wide ? n.transpose(wide, permutation) : Value();
  if (!moved)
    return nullptr;
  int64_t rows = type.getNumElements() / (samples * components);
  Value parts = n.reshape(moved, {rows, samples, components});
  if (!parts)
    return nullptr;
  auto component = [&](int64_t c) -> Value {
    if (components == 1)
      return n.reshape(parts, {rows, samples});
    Value slice =
        n.create<SliceOp>(parts, n.b.getDenseI64ArrayAttr({0, 0, c}),
                          n.b.getDenseI64ArrayAttr({rows, samples, c + 1}),
                          n.b.getDenseI64ArrayAttr({1, 1, 1}));
    return slice ? n.reshape(slice, {rows, samples}) : Value();
  };
  Value real = component(0);
  Value imag = components == 2 ? component(1) : Value();
  if (!real || (components == 2 && !imag))
    return nullptr;
  auto combine = [&](ArrayRef<double> fromReal,
                     ArrayRef<double> fromImag) -> Value {
    Value sum =
        n.create<MatMulOp>(real, table(n, samples, bins, f64, fromReal));
    if (imag && sum) {
      Value other =
          n.create<MatMulOp>(imag, table(n, samples, bins, f64, fromImag));
      sum = other ? n.create<AddOp>(sum, other) : Value();
    }
    return sum ? n.reshape(sum, {rows, bins, 1}) : Value();
  };
  Value result = combine(realFromReal, realFromImag);
  if (!realOutput) {
    Value imagOut = combine(imagFromReal, imagFromImag);
    result = result && imagOut ? n.create<ConcatOp>(ValueRange{result, imagOut},
                                                    n.b.getI64IntegerAttr(2))
                               : Value();
  }
  if (!result)
    return nullptr;
  // Back to the input's layout with `bins` entries along the axis.
  SmallVector<int64_t> movedShape;
  for (int64_t d : ArrayRef(permutation).drop_back(2))
    movedShape.push_back(type.getDimSize(d));
  movedShape.push_back(bins);
  movedShape.push_back(realOutput ? 1 : 2);
  result = n.reshape(result, movedShape);
  SmallVector<int64_t> inverseOrder(rank);
  for (auto [i, d] : llvm::enumerate(permutation))
    inverseOrder[d] = i;
  result = result ? n.transpose(result, inverseOrder) : Value();
  return result ? n.castTo(result, element) : Value();
}

/// DFT (opsets 17-20): the transform of `buildDFT` along `axis` (an
/// attribute before opset 20, an input from 20) over `dft_length` samples.
LogicalResult convertDFT(NodeContext &n) {
  bool axisInput = n.opset() >= 20;
  if (failed(n.checkArity(1, axisInput ? 3 : 2)))
    return failure();
  auto type = n.inputType(0);
  Type element = type.getElementType();
  if (!isa<FloatType>(element))
    return n.emitError() << "the input must be floating-point";
  if (!type.hasStaticShape())
    return n.notKnown("the input shape");
  int64_t rank = type.getRank();
  if (rank < 2)
    return n.emitError() << "the input must have a signal axis and the "
                            "components axis";
  int64_t components = type.getDimSize(rank - 1);
  if (components != 1 && components != 2)
    return n.emitError() << "the last axis must hold 1 (real) or 2 (complex) "
                            "components, not "
                         << components;
  int64_t axis = n.intAttr("axis", 1);
  if (axisInput) {
    axis = -2;
    if (n.hasInput(2)) {
      FailureOr<int64_t> given = n.knownScalar(2, "axis");
      if (failed(given))
        return failure();
      axis = *given;
    }
  }
  // The components axis cannot be transformed.
  FailureOr<int64_t> normalized = n.normalizeAxis(axis, rank);
  if (failed(normalized))
    return failure();
  axis = *normalized;
  if (axis == rank - 1)
    return n.emitError() << "axis must not be the last (components) axis";
  bool inverse = n.intAttr("inverse", 0) != 0;
  bool onesided = n.intAttr("onesided", 0) != 0;
  int64_t samples = type.getDimSize(axis);
  if (samples < 1)
    return n.emitError() << "the signal axis is empty";
  int64_t length = inverse && onesided ? 2 * (samples - 1) : samples;
  if (n.hasInput(1)) {
    FailureOr<int64_t> given = n.knownScalar(1, "dft_length");
    if (failed(given))
      return failure();
    length = *given;
  }
  if (length < 1)
    return n.emitError() << "dft_length must be positive, got " << length;
  return n.finish(buildDFT(n, n.input(0), axis, length, inverse, onesided));
}

//===----------------------------------------------------------------------===//
// STFT and MelWeightMatrix
//===----------------------------------------------------------------------===//

/// STFT (opset 17): the frames of `frame_length` samples every `frame_step`
/// samples of the signal [batch, length, 1 or 2] (a gather of constant
/// indices), times the window, then `buildDFT` along the frame axis:
/// [batch, frames, bins, 2], bins 0 .. L/2 with `onesided` (the default).
LogicalResult convertSTFT(NodeContext &n) {
  if (failed(n.checkArity(2, 4)))
    return failure();
  RankedTensorType type = n.inputType(0);
  Type element = type.getElementType();
  if (!isa<FloatType>(element))
    return n.emitError() << "the signal must be floating-point";
  if (type.getRank() != 3)
    return n.emitError() << "the signal must be 3-D [batch, length, 1 or 2], "
                            "got rank "
                         << type.getRank();
  if (!type.hasStaticShape())
    return n.notKnown("the signal shape");
  int64_t components = type.getDimSize(2);
  if (components != 1 && components != 2)
    return n.emitError() << "the last axis of the signal must hold 1 (real) "
                            "or 2 (complex) components, not "
                         << components;
  FailureOr<int64_t> step = n.knownScalar(1, "frame_step");
  if (failed(step))
    return failure();
  int64_t length = type.getDimSize(1);
  // The frame length: given, else the window's, else the whole signal.
  int64_t frameLength = length;
  if (n.hasInput(2)) {
    RankedTensorType windowType = n.inputType(2);
    if (windowType.getRank() != 1 || windowType.isDynamicDim(0))
      return n.emitError() << "the window must be 1-D of a static length";
    frameLength = windowType.getDimSize(0);
  }
  if (n.hasInput(3)) {
    FailureOr<int64_t> given = n.knownScalar(3, "frame_length");
    if (failed(given))
      return failure();
    if (n.hasInput(2) && *given != frameLength)
      return n.emitError() << "frame_length " << *given
                           << " differs from the window's length "
                           << frameLength;
    frameLength = *given;
  }
  if (*step < 1)
    return n.emitError() << "frame_step must be positive, got " << *step;
  if (frameLength < 1 || frameLength > length)
    return n.emitError() << "frame_length " << frameLength << " must be in [1, "
                         << length << "] (the signal's length)";
  int64_t frames = (length - frameLength) / *step + 1;
  if (frames * frameLength > kMaxTableElements)
    return n.emitError() << frames << " frames of " << frameLength
                         << " samples are too many for a constant index table";
  SmallVector<int64_t> indices;
  indices.reserve(frames * frameLength);
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t i = 0; i < frameLength; ++i)
      indices.push_back(f * *step + i);
  Value table = n.constant(DenseElementsAttr::get(
      RankedTensorType::get({frames, frameLength}, n.b.getI64Type()),
      ArrayRef<int64_t>(indices)));
  // [batch, frames, frame_length, components]
  Value framed =
      n.create<GatherOp>(n.input(0), table, n.b.getI64IntegerAttr(1));
  if (framed && n.hasInput(2)) {
    Value window =
        n.reshape(n.castTo(n.input(2), element), {1, 1, frameLength, 1});
    framed = window ? n.create<MulOp>(framed, window) : Value();
  }
  if (!framed)
    return failure();
  bool onesided = n.intAttr("onesided", 1) != 0;
  return n.finish(buildDFT(n, framed, /*axis=*/2, frameLength,
                           /*inverse=*/false, onesided));
}

/// MelWeightMatrix (opset 17): a constant [dft_length / 2 + 1, num_mel_bins]
/// of triangular filters, from parameters known at compile time, computed
/// as ONNX's reference does: num_mel_bins + 2 points evenly spaced on the mel
/// scale mel(f) = 2595 log10(1 + f / 700) between the edges, each mapped to
/// the spectrogram bin floor((dft_length + 1) f / sample_rate); filter i
/// rises from point i to point i + 1 (1 there) and falls to point i + 2.
LogicalResult convertMelWeightMatrix(NodeContext &n) {
  if (failed(n.checkArity(5, 5)))
    return failure();
  FailureOr<int64_t> melBins = n.knownScalar(0, "num_mel_bins");
  if (failed(melBins))
    return failure();
  FailureOr<int64_t> dftLength = n.knownScalar(1, "dft_length");
  if (failed(dftLength))
    return failure();
  FailureOr<int64_t> sampleRate = n.knownScalar(2, "sample_rate");
  if (failed(sampleRate))
    return failure();
  auto edge = [&](unsigned i, StringRef name) -> FailureOr<double> {
    std::optional<SmallVector<double>> values = n.constantValues(i);
    if (!values)
      return n.notKnown(name);
    if (values->size() != 1)
      return n.emitError() << name << " must hold one value";
    return values->front();
  };
  FailureOr<double> lower = edge(3, "lower_edge_hertz");
  if (failed(lower))
    return failure();
  FailureOr<double> upper = edge(4, "upper_edge_hertz");
  if (failed(upper))
    return failure();
  if (*melBins < 1 || *dftLength < 1 || *sampleRate < 1)
    return n.emitError() << "num_mel_bins, dft_length and sample_rate must "
                            "be positive";
  if (!(*lower >= 0 && *lower < *upper))
    return n.emitError() << "the edges must satisfy 0 <= lower_edge_hertz < "
                            "upper_edge_hertz, got "
                         << *lower << " and " << *upper;
  int64_t code = n.intAttr("output_datatype", 1);
  auto floatType = dyn_cast_or_null<FloatType>(
      convertElementType(static_cast<int32_t>(code), n.ctx));
  if (!floatType)
    return n.emitError() << "output_datatype must be a floating-point type, "
                            "got "
                         << onnxTypeName(static_cast<int32_t>(code));
  int64_t spectrogramBins = *dftLength / 2 + 1;
  if (spectrogramBins * *melBins > kMaxTableElements)
    return n.emitError() << "a " << spectrogramBins << " x " << *melBins
                         << " matrix is too large for a constant";

  auto mel = [](double hertz) {
    return 2595 * std::log1p(hertz / 700) / std::log(10.0);
  };
  double low = mel(*lower), high = mel(*upper);
  double melStep = (high - low) / static_cast<double>(*melBins + 2);
  SmallVector<int64_t> points;
  for (int64_t i = 0; i < *melBins + 2; ++i) {
    double hertz =
        700 * std::expm1((i * melStep + low) / 2595 * std::log(10.0));
    auto bin = static_cast<int64_t>(
        std::floor((*dftLength + 1) * hertz / *sampleRate));
    if (bin < 0 || bin >= spectrogramBins)
      return n.emitError() << "upper_edge_hertz " << *upper
                           << " maps past the last of the " << spectrogramBins
                           << " spectrogram bins (at most sample_rate / 2)";
    points.push_back(bin);
  }
  SmallVector<double> weights(spectrogramBins * *melBins, 0.0);
  auto at = [&](int64_t bin, int64_t filter) -> double & {
    return weights[bin * *melBins + filter];
  };
  for (int64_t i = 0; i < *melBins; ++i) {
    int64_t left = points[i], center = points[i + 1], right = points[i + 2];
    if (center == left)
      at(center, i) = 1;
    for (int64_t j = left; center > left && j <= center; ++j)
      at(j, i) = static_cast<double>(j - left) / (center - left);
    for (int64_t j = center; j < right; ++j)
      at(j, i) = static_cast<double>(right - j) / (right - center);
  }
  return n.finish(table(n, spectrogramBins, *melBins, floatType, weights));
}
} // namespace

void registerSignalConverters(OpRegistry &r) {
  r.add("HannWindow", convertHannWindow);
  r.add("HammingWindow", convertHammingWindow);
  r.add("BlackmanWindow", convertBlackmanWindow);
  r.add("DFT", convertDFT);
  r.add("STFT", convertSTFT);
  r.add("MelWeightMatrix", convertMelWeightMatrix);
}
} // namespace autoglm::importer
