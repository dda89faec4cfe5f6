#include "processors/transform/transform_processor.h"

namespace otter {

template <class B>
TransformProcessor<B>::TransformProcessor(const ComponentContext& ctx,
                                          const std::vector<TransformGroup>& groups,
                                          ottl::ErrorMode default_mode, Consumer<B>* next)
    : next_(next) {
  for (const auto& g : groups) {
    groups_.push_back(std::make_unique<Group>(g, g.error_mode.value_or(default_mode), ctx.logger));
  }
}

template <class B>
Consumers TransformProcessor<B>::consumers() {
  return Consumers::Of<B>(this);
}

template <class B>
Status TransformProcessor<B>::Apply(B& batch) const {
  for (const auto& gp : groups_) {
    const TransformGroup& g = gp->group;
    const ottl::ErrorHandler& errors = gp->errors;
    RETURN_IF_ERROR(ottl::ForEachItem(batch.resources(), batch.arenas(), g.context,
                                      [&](ottl::Context& ctx) -> Status {
                                        if (!g.conditions.empty()) {
                                          bool any = false;
                                          for (const auto& c : g.conditions) {
                                            StatusOr<bool> r = c.Eval(ctx);
                                            if (!r.ok()) {
                                              RETURN_IF_ERROR(errors.Handle(r.status()));
                                              continue;
                                            }
                                            if (*r) {
                                              any = true;
                                              break;
                                            }
                                          }
                                          if (!any) return Status::Ok();
                                        }
                                        for (const auto& st : g.statements)
                                          RETURN_IF_ERROR(errors.Handle(st.Execute(ctx)));
                                        return Status::Ok();
                                      }));
  }
  return Status::Ok();
}

template <class B>
void TransformProcessor<B>::Consume(B&& batch, Completion done) {
  if (Status s = Apply(batch); !s.ok()) {
    done(s);
    return;
  }
  next_->Consume(std::move(batch), std::move(done));
}

template class TransformProcessor<pdata::TraceBatch>;
template class TransformProcessor<pdata::MetricBatch>;
template class TransformProcessor<pdata::LogBatch>;

}  // namespace otter
