#include "kernelprocs/proc.h"

namespace psx {

const Proc::Record* Proc::find(int pid) const {
  auto it = table_.find(pid);
  return it == table_.end() ? nullptr : &it->second;
}

void Proc::on_message(Kernel& k, const Message& m) {
  switch (m.op) {
    case kProcSpawned: {
      Record r;
      r.pid = int(m.arg[0]);
      r.ppid = int(m.arg[1]);
      r.host_pid = int(m.arg[2]);
      table_[r.pid] = r;
      live_++;
      return;
    }
    case kProcExited: {
      auto it = table_.find(int(m.arg[0]));
      if (it == table_.end() || !it->second.alive) return;
      it->second.alive = false;
      it->second.wait_status = int(m.arg[1]);
      if (--live_ == 0 && stop_when_empty_) k.stop();
      return;
    }
    default:
      if (!m.is_reply()) k.send(m.reply(-ENOSYS));
  }
}

}  // namespace psx
