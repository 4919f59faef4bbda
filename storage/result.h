// Result<T, E>: a value or an error, returned instead of throwing.
// It lives in storage/ because storage is the bottom of the dependency chain
// (DESIGN.md); every other component includes it from here. libc++ 14 has no
// std::expected, so this is the project's own small version.
#pragma once
#include <cassert>
#include <new>
#include <type_traits>
#include <utility>

namespace psx {

template <class E>
struct Err {
  E error;
};
template <class E>
Err(E) -> Err<E>;

template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : ok_(true) { new (&value_) T(std::move(value)); }
  template <class E2, class = std::enable_if_t<std::is_convertible_v<E2, E>>>
  Result(Err<E2> e) : ok_(false) { new (&error_) E(std::move(e.error)); }
  Result(const Result& o) : ok_(o.ok_) {
    if (ok_) new (&value_) T(o.value_); else new (&error_) E(o.error_);
  }
  Result(Result&& o) noexcept : ok_(o.ok_) {
    if (ok_) new (&value_) T(std::move(o.value_)); else new (&error_) E(std::move(o.error_));
  }
  Result& operator=(Result o) noexcept {
    this->~Result();
    new (this) Result(std::move(o));
    return *this;
  }
  ~Result() {
    if (ok_) value_.~T(); else error_.~E();
  }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  T& value() & { assert(ok_); return value_; }
  const T& value() const& { assert(ok_); return value_; }
  T&& value() && { assert(ok_); return std::move(value_); }
  const E& error() const { assert(!ok_); return error_; }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T value_or(T dflt) const& { return ok_ ? value_ : std::move(dflt); }

 private:
  bool ok_;
  union {
    T value_;
    E error_;
  };
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() : ok_(true), error_() {}
  template <class E2, class = std::enable_if_t<std::is_convertible_v<E2, E>>>
  Result(Err<E2> e) : ok_(false), error_(std::move(e.error)) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { assert(!ok_); return error_; }
  void value() const { assert(ok_); }

 private:
  bool ok_;
  E error_;
};

}  // namespace psx

// PSX_TRY(expr): evaluate a Result; on error return the error from the caller.
#define PSX_TRY(expr)                                          \
  ({                                                           \
    auto&& psx_try_r_ = (expr);                                \
    if (!psx_try_r_.ok()) return ::psx::Err{psx_try_r_.error()}; \
    std::move(psx_try_r_).value();                             \
  })
// PSX_TRY_VOID(expr): same for Result<void, E>.
#define PSX_TRY_VOID(expr)                                     \
  do {                                                         \
    auto&& psx_try_r_ = (expr);                                \
    if (!psx_try_r_.ok()) return ::psx::Err{psx_try_r_.error()}; \
  } while (0)
