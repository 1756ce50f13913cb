#include "ingest/json_record.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "ingest/string_arena.h"

namespace recur::ingest {

struct JsonRecordReader::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::object object;  // the parsed line's; valid until the next parse
  StringArena arena;

  // One JSON value as text: strings unescaped, numbers and booleans as written, null empty.
  bool value_text(simdjson::dom::element v, std::string_view& out) {
    switch (v.type()) {
      case simdjson::dom::element_type::STRING:
        out = arena.store(std::string_view(v.get_string().value()));
        return true;
      case simdjson::dom::element_type::INT64:
        out = arena.store(std::to_string(v.get_int64().value()));
        return true;
      case simdjson::dom::element_type::UINT64:
        out = arena.store(std::to_string(v.get_uint64().value()));
        return true;
      case simdjson::dom::element_type::DOUBLE:
        out = arena.store(simdjson::minify(v));
        return true;
      case simdjson::dom::element_type::BOOL:
        out = v.get_bool().value() ? "true" : "false";
        return true;
      case simdjson::dom::element_type::NULL_VALUE:
        out = {};
        return true;
      default:
        return false;
    }
  }

  // The plan's fields of `obj` into `row`: constants always; keys `obj` has replace what `row`
  // holds.
  void fill(const FieldPlan& plan, SourceRow& row, simdjson::dom::object obj) {
    for (std::size_t i = 0; i < plan.source_names.size(); ++i) {
      if (plan.has_constant[i]) {
        row.values[i] = plan.constants[i];
        continue;
      }
      auto v = obj[plan.source_names[i]];
      if (v.error()) continue;
      std::string_view text;
      if (!value_text(v.value(), text)) {
        if (row.malformed.empty())
          row.malformed =
              fmt::format("key '{}' must be a string or a number", plan.source_names[i]);
        continue;
      }
      row.values[i] = text;
    }
  }
};

JsonRecordReader::JsonRecordReader() : impl_(std::make_unique<Impl>()) {}
JsonRecordReader::~JsonRecordReader() = default;

bool JsonRecordReader::parse(std::string_view line, std::string& why) {
  simdjson::dom::element doc;
  auto err = impl_->parser.parse(line.data(), line.size()).get(doc);
  if (err) {
    why = fmt::format("not valid JSON ({})", simdjson::error_message(err));
    return false;
  }
  if (doc.get_object().get(impl_->object)) {
    why = "not a JSON object";
    return false;
  }
  return true;
}

bool JsonRecordReader::has(std::string_view key) const {
  return !impl_->object[key].error();
}

void JsonRecordReader::rows(const FieldPlan& plan, std::string_view line, std::uint32_t line_no,
                            std::vector<SourceRow>& out) {
  SourceRow base;
  base.line = line_no;
  base.raw = line;
  base.values.assign(plan.source_names.size(), {});
  impl_->fill(plan, base, impl_->object);
  auto lines = impl_->object["lines"];
  if (lines.error() || lines.value().type() != simdjson::dom::element_type::ARRAY) {
    out.push_back(std::move(base));
    return;
  }
  simdjson::dom::array items;
  if (lines.get_array().get(items)) items = {};
  const std::size_t first = out.size();
  for (simdjson::dom::element item : items) {
    SourceRow r = base;
    simdjson::dom::object line_obj;
    if (item.get_object().get(line_obj)) {
      r.malformed = "each element of \"lines\" must be an object";
    } else {
      impl_->fill(plan, r, line_obj);
      // order-level keys come from the parent when the line lacks them
      for (std::size_t i = 0; i < r.values.size(); ++i)
        if (r.values[i].empty()) r.values[i] = base.values[i];
    }
    out.push_back(std::move(r));
  }
  if (out.size() == first) {
    base.malformed = "\"lines\" is empty";
    out.push_back(std::move(base));
  }
}

void JsonRecordReader::clear() {
  impl_->arena.clear();
}

}  // namespace recur::ingest
