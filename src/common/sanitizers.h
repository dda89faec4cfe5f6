#pragma once
// OTTER_ASAN is 1 in an AddressSanitizer build, whichever compiler made it: GCC defines
// __SANITIZE_ADDRESS__, clang answers __has_feature(address_sanitizer).

#if defined(__SANITIZE_ADDRESS__)
#define OTTER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OTTER_ASAN 1
#endif
#endif
#ifndef OTTER_ASAN
#define OTTER_ASAN 0
#endif
