#include "server/attachment_content.h"

#include <catch2/catch.hpp>

using mcp::AttachmentForm;
using mcp::ClassifyAttachment;

TEST_CASE("ClassifyAttachment: text, image, resource, too large", "[attachment]") {
  CHECK(ClassifyAttachment("text/plain", "outlook.log", 2000) == AttachmentForm::kText);
  CHECK(ClassifyAttachment("", "config.json", 10) == AttachmentForm::kText);
  CHECK(ClassifyAttachment("application/octet-stream", "notes.txt", 10) == AttachmentForm::kText);
  CHECK(ClassifyAttachment("image/png", "screen.png", 50000) == AttachmentForm::kImage);
  CHECK(ClassifyAttachment("IMAGE/JPEG; charset=binary", "a", 5) == AttachmentForm::kImage);
  CHECK(ClassifyAttachment("image/tiff", "scan.tif", 5) == AttachmentForm::kResource);
  CHECK(ClassifyAttachment("application/pdf", "quote.pdf", 90000) == AttachmentForm::kResource);
  CHECK(ClassifyAttachment("application/pdf", "big.pdf", mcp::kMaxAttachmentBytes + 1) ==
        AttachmentForm::kTooLarge);
  CHECK(ClassifyAttachment("text/plain", "a.txt", 11, 10) == AttachmentForm::kTooLarge);
}

TEST_CASE("MimeTypeOf and FormatBytes", "[attachment]") {
  CHECK(mcp::MimeTypeOf("Quote.PDF") == "application/pdf");
  CHECK(mcp::MimeTypeOf("noext") == "application/octet-stream");
  CHECK(mcp::FormatBytes(512) == "512 bytes");
  CHECK(mcp::FormatBytes(2048) == "2.0 KB");
  CHECK(mcp::FormatBytes(3 * 1024 * 1024 / 2) == "1.5 MB");
}
