#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace halo_sim {

/// A valid PNG (8-bit RGB, stored deflate blocks) of `width` x `height` pixels: a diagonal
/// gradient tinted by `tint`, so different screenshots differ.
std::string SamplePng(int width, int height, std::uint32_t tint);

/// A valid one-page PDF 1.4 that shows `lines` of text (Helvetica, 11 pt).
std::string SamplePdf(std::vector<std::string> const& lines);

}  // namespace halo_sim
