#include "sim/sample_files.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace halo_sim {
namespace {

std::uint32_t Crc32(std::string const& bytes) {
  static auto const kTable = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xffffffffU;
  for (unsigned char b : bytes) c = kTable[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffU;
}

std::uint32_t Adler32(std::string const& bytes) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : bytes) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void PutBe32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void Chunk(std::string& png, char const* type, std::string const& data) {
  PutBe32(png, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  PutBe32(png, Crc32(body));
}

/// A zlib stream of uncompressed (stored) deflate blocks: valid and simple.
std::string ZlibStored(std::string const& data) {
  std::string out = "\x78\x01";
  std::size_t pos = 0;
  do {
    std::size_t const len = std::min<std::size_t>(65535, data.size() - pos);
    bool const last = pos + len == data.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<char>(len & 0xff));
    out.push_back(static_cast<char>(len >> 8));
    out.push_back(static_cast<char>(~len & 0xff));
    out.push_back(static_cast<char>((~len >> 8) & 0xff));
    out += data.substr(pos, len);
    pos += len;
  } while (pos < data.size());
  PutBe32(out, Adler32(data));
  return out;
}

std::string PdfEscape(std::string const& s) {
  std::string out;
  for (char c : s) {
    if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string SamplePng(int width, int height, std::uint32_t tint) {
  std::string pixels;
  for (int y = 0; y < height; ++y) {
    pixels.push_back('\0');  // filter: none
    for (int x = 0; x < width; ++x) {
      auto const shade =
          static_cast<std::uint32_t>((x + y) * 255 / std::max(1, width + height - 2));
      pixels.push_back(static_cast<char>((shade + (tint >> 16)) & 0xff));
      pixels.push_back(static_cast<char>((shade / 2 + (tint >> 8)) & 0xff));
      pixels.push_back(static_cast<char>((255 - shade + tint) & 0xff));
    }
  }
  std::string header;
  PutBe32(header, static_cast<std::uint32_t>(width));
  PutBe32(header, static_cast<std::uint32_t>(height));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no interlace
  std::string png("\x89PNG\r\n\x1a\n", 8);
  Chunk(png, "IHDR", header);
  Chunk(png, "IDAT", ZlibStored(pixels));
  Chunk(png, "IEND", "");
  return png;
}

std::string SamplePdf(std::vector<std::string> const& lines) {
  std::string text = "BT /F1 11 Tf 56 780 Td 14 TL\n";
  for (auto const& line : lines) text += "(" + PdfEscape(line) + ") Tj T*\n";
  text += "ET\n";
  std::vector<std::string> const objects = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(text.size()) + " >>\nstream\n" + text + "endstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  auto const xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto offset : offsets) {
    char entry[24];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    pdf += entry;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace halo_sim
