// run_update(): one vfs mutation in its own write transaction, synchronously.
#pragma once
#include <optional>

#include "storage/store.h"
#include "vfs/store_errno.h"

namespace psx::vfs {

template <class F>
auto run_update(storage::Store& store, F&& fn) -> std::invoke_result_t<F&, storage::WriteTxn&> {
  using R = std::invoke_result_t<F&, storage::WriteTxn&>;
  std::optional<R> out;
  auto c = store.update([&](storage::WriteTxn& t) {
    out.reset();
    out.emplace(fn(t));
    return out->ok();
  });
  if (!c.ok()) return R(Err{to_errno(c.error())});
  return std::move(*out);
}

}  // namespace psx::vfs
