// CRC-32 (the zlib/gzip/PNG polynomial, reflected 0xEDB88320): the checksum of WAL records and
// block indexes. Same results as zlib's crc32(), which it calls for short inputs and tails; long
// inputs are folded 64 bytes at a time with carry-less multiplication (PCLMULQDQ) where the CPU
// has it — zlib's table-driven loop was 7% of the store writer's CPU at ingest.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string_view>

namespace otter::store {

// The CRC-32 of `data` continuing from `crc` (0 for a new checksum), as zlib's crc32(crc, ...).
uint32_t Crc32(uint32_t crc, std::string_view data);

}  // namespace otter::store
