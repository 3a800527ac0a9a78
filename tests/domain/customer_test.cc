// Specification of the Customer decider: contact validation, updates, tags, SMS opt-out.
#include <gtest/gtest.h>

#include "decider_spec.h"
#include "domain/customer.h"

namespace switchboard::domain {
namespace {

using Code = Rejection::Code;
using Spec = testing::DeciderSpec<Customer, CustomerEvent>;
Spec Given(std::vector<CustomerEvent> history = {}) { return Spec(std::move(history)); }

CreateCustomer Create() {
  return CreateCustomer{"c1", "Ada Lovelace", "(555) 123-4567", "ada@example.com", "1 Main St", "12345", {"vip"}};
}
CustomerCreated Created() {
  return CustomerCreated{"c1", "Ada Lovelace", "+15551234567", "ada@example.com", "1 Main St", "12345", {"vip"}};
}

TEST(CustomerDecider, CreatesACustomerWithANormalizedPhone) { Given().When(Create()).Then({Created()}); }

TEST(CustomerDecider, CreatesWithOnlyAName) {
  Given().When(CreateCustomer{"c1", " Bob ", "", "", "", "", {}}).Then({CustomerCreated{"c1", "Bob", "", "", "", "", {}}});
}

TEST(CustomerDecider, SortsAndDeduplicatesTagsOnCreate) {
  auto c = Create();
  c.tags = {"zeta", "alpha", "zeta"};
  auto expected = Created();
  expected.tags = {"alpha", "zeta"};
  Given().When(c).Then({expected});
}

TEST(CustomerDecider, RejectsCreatingAnExistingCustomer) {
  auto spec = Given({Created()});
  spec.When(Create()).ThenRejects(Code::kAlreadyExists, "customer_id");
  EXPECT_EQ(spec.rejection().existing_id, "c1");
}

struct FieldCase {
  const char* what;
  void (*mutate)(CreateCustomer&);
  const char* field;
};

TEST(CustomerDecider, ValidatesEveryField) {
  const FieldCase cases[] = {
      {"no id", [](CreateCustomer& c) { c.customer_id = ""; }, "customer_id"},
      {"empty name", [](CreateCustomer& c) { c.name = " "; }, "name"},
      {"long name", [](CreateCustomer& c) { c.name = std::string(201, 'a'); }, "name"},
      {"letters in phone", [](CreateCustomer& c) { c.phone = "call me"; }, "phone"},
      {"short phone", [](CreateCustomer& c) { c.phone = "12345"; }, "phone"},
      {"email without @", [](CreateCustomer& c) { c.email = "ada.example.com"; }, "email"},
      {"email with two @", [](CreateCustomer& c) { c.email = "a@b@example.com"; }, "email"},
      {"email without local", [](CreateCustomer& c) { c.email = "@example.com"; }, "email"},
      {"email without dot", [](CreateCustomer& c) { c.email = "ada@localhost"; }, "email"},
      {"email ending in dot", [](CreateCustomer& c) { c.email = "ada@example."; }, "email"},
      {"email with space", [](CreateCustomer& c) { c.email = "a da@example.com"; }, "email"},
      {"long email", [](CreateCustomer& c) { c.email = std::string(250, 'a') + "@b.co"; }, "email"},
      {"long zip", [](CreateCustomer& c) { c.zip = std::string(21, '1'); }, "zip"},
      {"zip symbols", [](CreateCustomer& c) { c.zip = "12345;"; }, "zip"},
      {"long address", [](CreateCustomer& c) { c.address = std::string(501, 'a'); }, "address"},
      {"empty tag", [](CreateCustomer& c) { c.tags = {""}; }, "tags"},
      {"long tag", [](CreateCustomer& c) { c.tags = {std::string(51, 't')}; }, "tags"},
      {"too many tags",
       [](CreateCustomer& c) {
         c.tags.clear();
         for (int i = 0; i < 51; ++i) c.tags.push_back("t" + std::to_string(i));
       },
       "tags"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.what);
    auto c = Create();
    k.mutate(c);
    Given().When(c).ThenRejects(Code::kInvalid, k.field);
  }
}

TEST(CustomerDecider, AcceptsFieldBoundaries) {
  auto c = Create();
  c.name = std::string(200, 'a');
  c.zip = "SW1A 1AA-";
  c.email = "x@y.io";
  c.address = std::string(500, 'a');
  auto expected = Created();
  expected.name = c.name;
  expected.zip = c.zip;
  expected.email = c.email;
  expected.address = c.address;
  Given().When(c).Then({expected});
}

TEST(CustomerDecider, CommandsOnAMissingCustomerAreNotFound) {
  const CustomerCommand commands[] = {UpdateCustomer{}, TagCustomer{"a"}, UntagCustomer{"a"}, OptOutCustomerSms{},
                                      OptInCustomerSms{}};
  for (const auto& c : commands) {
    SCOPED_TRACE(c.index());
    Given().When(c).ThenRejects(Code::kNotFound, "");
  }
}

TEST(CustomerDecider, UpdatesCarryAllFieldsAfterTheChange) {
  UpdateCustomer u;
  u.phone = "+44 20 7946 0958";
  u.zip = "";
  Given({Created()}).When(u).Then(
      {CustomerUpdated{"c1", "Ada Lovelace", "+442079460958", "ada@example.com", "1 Main St", ""}});
}

TEST(CustomerDecider, UpdateCanClearThePhone) {
  UpdateCustomer u;
  u.phone = "";
  Given({Created()}).When(u).Then({CustomerUpdated{"c1", "Ada Lovelace", "", "ada@example.com", "1 Main St", "12345"}});
}

TEST(CustomerDecider, UpdateWithoutChangeEmitsNothing) {
  Given({Created()}).When(UpdateCustomer{}).ThenNothing();
  UpdateCustomer same;
  same.phone = "555.123.4567";  // the same number, written differently
  same.name = "Ada Lovelace ";
  Given({Created()}).When(same).ThenNothing();
}

TEST(CustomerDecider, UpdateValidates) {
  UpdateCustomer u;
  u.name = "";
  Given({Created()}).When(u).ThenRejects(Code::kInvalid, "name");
  UpdateCustomer p;
  p.phone = "abc";
  Given({Created()}).When(p).ThenRejects(Code::kInvalid, "phone");
  UpdateCustomer e;
  e.email = "nope";
  Given({Created()}).When(e).ThenRejects(Code::kInvalid, "email");
}

TEST(CustomerDecider, TagsAndUntags) {
  Given({Created()}).When(TagCustomer{" lead "}).Then({CustomerTagged{"c1", "lead"}});
  Given({Created()}).When(UntagCustomer{"vip"}).Then({CustomerUntagged{"c1", "vip"}});
}

TEST(CustomerDecider, TaggingTwiceOrUntaggingAbsentEmitsNothing) {
  Given({Created()}).When(TagCustomer{"vip"}).ThenNothing();
  Given({Created()}).When(UntagCustomer{"absent"}).ThenNothing();
}

TEST(CustomerDecider, TagRules) {
  Given({Created()}).When(TagCustomer{""}).ThenRejects(Code::kInvalid, "tags");
  Given({Created()}).When(TagCustomer{std::string(51, 'x')}).ThenRejects(Code::kInvalid, "tags");
  std::vector<CustomerEvent> history{CustomerCreated{"c1", "A", "", "", "", "", {}}};
  for (int i = 0; i < 50; ++i) history.push_back(CustomerTagged{"c1", "t" + std::to_string(i)});
  Given(history).When(TagCustomer{"one-too-many"}).ThenRejects(Code::kInvalid, "tags");
  Given(history).When(TagCustomer{"t7"}).ThenNothing();
}

TEST(CustomerDecider, OptsOutAndBackIn) {
  Given({Created()}).When(OptOutCustomerSms{}).Then({CustomerOptedOut{"c1", "sms"}});
  Given({Created(), CustomerOptedOut{"c1"}}).When(OptInCustomerSms{}).Then({CustomerOptedIn{"c1", "sms"}});
}

TEST(CustomerDecider, RepeatedOptOutOrOptInEmitsNothing) {
  Given({Created(), CustomerOptedOut{"c1"}}).When(OptOutCustomerSms{}).ThenNothing();
  Given({Created()}).When(OptInCustomerSms{}).ThenNothing();
}

TEST(CustomerEvolve, BuildsTheStateFromHistory) {
  const Customer c = Fold(std::vector<CustomerEvent>{
      Created(), CustomerTagged{"c1", "b"}, CustomerTagged{"c1", "a"}, CustomerUntagged{"c1", "vip"},
      CustomerUpdated{"c1", "Ada", "", "a@b.co", "", "9"}, CustomerOptedOut{"c1"}});
  EXPECT_TRUE(c.exists);
  EXPECT_EQ(c.id, "c1");
  EXPECT_EQ(c.name, "Ada");
  EXPECT_EQ(c.phone, "");
  EXPECT_EQ(c.email, "a@b.co");
  EXPECT_EQ(c.zip, "9");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c.sms_opt_out);
  EXPECT_FALSE(Evolve(c, CustomerOptedIn{"c1"}).sms_opt_out);
}

}  // namespace
}  // namespace switchboard::domain
