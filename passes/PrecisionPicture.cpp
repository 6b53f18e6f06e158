//===- PrecisionPicture.cpp - the precision report as an SVG --------------===//
//
// Plain SVG, no script: a title line with the budget and its result, a
// legend, then a row per layer. The error axis is logarithmic (the errors
// of one model span orders of magnitude: 1e-6 for a benign product, 0.7 for
// a sensitive one), from 1e-7 to 1; an error of 0 draws no bar.
//
//===----------------------------------------------------------------------===//

#include "PrecisionPicture.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr int kRowHeight = 18, kTop = 80, kNameWidth = 220, kBoxWidth = 48,
              kBarLeft = kNameWidth + kBoxWidth + 16, kBarWidth = 400;
constexpr double kLogMin = -7, kLogMax = 0;

StringRef colourOf(StringRef precision) {
  if (precision == "int8")
    return "#4caf50";
  if (precision == "fp16")
    return "#ff9800";
  if (precision == "bf16")
    return "#ffc107";
  return "#90a4ae";
}

bool isLayer(StringRef op) {
  return op == "matmul" || op == "conv" || op == "gemm" || op == "gather";
}

std::string escape(StringRef text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out.push_back(c);
  }
  return out;
}

/// The x of `error` on the log axis, clamped to it.
double barEnd(double error) {
  double l = std::clamp(std::log10(error), kLogMin, kLogMax);
  return kBarLeft + (l - kLogMin) / (kLogMax - kLogMin) * kBarWidth;
}
} // namespace

std::string
mlir::autoglm::drawPrecisionReport(const llvm::json::Object &report) {
  struct Row {
    std::string node, op, precision;
    std::optional<double> error;
    bool kept = false;
  };
  std::vector<Row> rows;
  if (const llvm::json::Array *nodes = report.getArray("nodes"))
    for (const llvm::json::Value &value : *nodes) {
      const llvm::json::Object *node = value.getAsObject();
      StringRef op = node ? node->getString("op").value_or("") : "";
      if (!isLayer(op))
        continue;
      Row row{node->getString("node").value_or("").str(), op.str(),
              node->getString("precision").value_or("").str(), std::nullopt,
              node->getBoolean("kept_by_budget").value_or(false)};
      if (row.op == "gather" && row.precision == "fp32" && !row.kept)
        continue; // an ordinary gather, not a table the precision lowers
      if (const llvm::json::Object *alone = node->getObject("error_alone"))
        row.error = alone->getNumber("error");
      rows.push_back(std::move(row));
    }
  const llvm::json::Object *budget = report.getObject("accuracy_budget");

  int height = kTop + kRowHeight * int(rows.size() + 1) + 24;
  int width = kBarLeft + kBarWidth + 24;
  std::string svg;
  llvm::raw_string_ostream os(svg);
  os << llvm::formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "width=\"{0}\" height=\"{1}\" font-family=\"sans-serif\" "
                      "font-size=\"12\">\n",
                      width, height);
  os << llvm::formatv("<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
                      width, height);
  std::string title =
      "precision " + escape(report.getString("precision").value_or("").str());
  if (budget) {
    const llvm::json::Object *result = budget->getObject("result");
    title +=
        llvm::formatv(", accuracy budget {0}: {1} of {2} layers kept in "
                      "fp32, cosine {3:F6}, rel-error {4:E2}",
                      escape(budget->getString("budget").value_or("")),
                      budget->getInteger("kept").value_or(0), rows.size(),
                      result ? result->getNumber("cosine").value_or(0) : 0,
                      result ? result->getNumber("rel_error").value_or(0) : 0)
            .str();
  }
  os << "<text x=\"8\" y=\"18\" font-weight=\"bold\">" << title << "</text>\n";
  // The legend.
  int x = 8;
  for (StringRef precision : {"fp32", "fp16", "bf16", "int8"}) {
    os << llvm::formatv("<rect x=\"{0}\" y=\"28\" width=\"12\" height=\"12\" "
                        "fill=\"{1}\"/><text x=\"{2}\" y=\"38\">{3}</text>\n",
                        x, colourOf(precision), x + 16, precision);
    x += 64;
  }
  if (budget)
    os << llvm::formatv("<text x=\"8\" y=\"58\">bar: output error with "
                        "only this layer lowered ({0}), log scale 1e-7 to 1"
                        "</text>\n",
                        budget->getString("metric") == "cosine"
                            ? "1 - cosine"
                            : "relative error");
  // The axis and the bound.
  int bottom = kTop + kRowHeight * int(rows.size());
  if (budget) {
    for (int e = int(kLogMin); e <= int(kLogMax); ++e) {
      double at = barEnd(std::pow(10.0, e));
      os << llvm::formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                          "stroke=\"#eeeeee\"/><text x=\"{0}\" y=\"{3}\" "
                          "text-anchor=\"middle\" fill=\"#666666\">1e{4}"
                          "</text>\n",
                          at, kTop - 6, bottom, bottom + 14, e);
    }
    double bound = budget->getNumber("bound").value_or(0);
    double limit = budget->getString("metric") == "cosine" ? 1 - bound : bound;
    if (limit > 0) {
      double at = barEnd(limit);
      os << llvm::formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                          "stroke=\"#d32f2f\" stroke-dasharray=\"4 2\"/>"
                          "<text x=\"{0}\" y=\"{3}\" fill=\"#d32f2f\" "
                          "text-anchor=\"middle\">budget</text>\n",
                          at, kTop - 6, bottom, kTop - 10);
    }
  }
  for (auto [i, row] : llvm::enumerate(rows)) {
    int y = kTop + kRowHeight * int(i);
    os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\">{2}"
                        "</text>\n",
                        kNameWidth - 4, y + 13, escape(row.node));
    os << llvm::formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" "
                        "height=\"{3}\" fill=\"{4}\"/><text x=\"{5}\" "
                        "y=\"{6}\" text-anchor=\"middle\">{7}</text>\n",
                        kNameWidth, y + 2, kBoxWidth, kRowHeight - 4,
                        colourOf(row.precision), kNameWidth + kBoxWidth / 2,
                        y + 13, escape(row.precision));
    if (row.error && *row.error > 0) {
      double end = barEnd(*row.error);
      os << llvm::formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2:F1}\" "
                          "height=\"{3}\" fill=\"{4}\"><title>{5}: {6:E2}"
                          "</title></rect>\n",
                          kBarLeft, y + 4, end - kBarLeft, kRowHeight - 8,
                          row.kept ? "#d32f2f" : "#607d8b", escape(row.node),
                          *row.error);
    }
  }
  os << "</svg>\n";
  return svg;
}
