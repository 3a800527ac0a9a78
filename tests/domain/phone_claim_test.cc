// Specification of the PhoneClaim decider: one customer per phone per tenant.
#include <gtest/gtest.h>

#include "decider_spec.h"
#include "domain/phone_claim.h"

namespace switchboard::domain {
namespace {

using Code = Rejection::Code;
using Spec = testing::DeciderSpec<PhoneClaim, PhoneClaimEvent>;
Spec Given(std::vector<PhoneClaimEvent> history = {}) { return Spec(std::move(history)); }

const std::string kPhone = "+15551234567";

TEST(PhoneClaimDecider, ClaimsAFreePhone) {
  Given().When(ClaimPhone{kPhone, "c1"}).Then({CustomerPhoneClaimed{kPhone, "c1"}});
}

TEST(PhoneClaimDecider, NormalizesThePhone) {
  Given().When(ClaimPhone{"(555) 123-4567", "c1"}).Then({CustomerPhoneClaimed{kPhone, "c1"}});
}

TEST(PhoneClaimDecider, ClaimByTheOwnerEmitsNothing) {
  Given({CustomerPhoneClaimed{kPhone, "c1"}}).When(ClaimPhone{kPhone, "c1"}).ThenNothing();
}

TEST(PhoneClaimDecider, ClaimOfAnOwnedPhoneNamesTheOwner) {
  auto spec = Given({CustomerPhoneClaimed{kPhone, "c1"}});
  spec.When(ClaimPhone{kPhone, "c2"}).ThenRejects(Code::kAlreadyExists, "phone");
  EXPECT_EQ(spec.rejection().existing_id, "c1");
  EXPECT_EQ(spec.rejection().message, "a customer with this phone already exists");
}

TEST(PhoneClaimDecider, ReleasedPhonesCanBeClaimedAgain) {
  Given({CustomerPhoneClaimed{kPhone, "c1"}, CustomerPhoneReleased{kPhone, "c1"}})
      .When(ClaimPhone{kPhone, "c2"})
      .Then({CustomerPhoneClaimed{kPhone, "c2"}});
}

TEST(PhoneClaimDecider, OwnerReleases) {
  Given({CustomerPhoneClaimed{kPhone, "c1"}}).When(ReleasePhone{kPhone, "c1"}).Then({CustomerPhoneReleased{kPhone, "c1"}});
}

TEST(PhoneClaimDecider, ReleaseByANonOwnerEmitsNothing) {
  Given({CustomerPhoneClaimed{kPhone, "c1"}}).When(ReleasePhone{kPhone, "c2"}).ThenNothing();
  Given().When(ReleasePhone{kPhone, "c1"}).ThenNothing();
}

TEST(PhoneClaimDecider, RejectsInvalidInput) {
  Given().When(ClaimPhone{"not a phone", "c1"}).ThenRejects(Code::kInvalid, "phone");
  Given().When(ClaimPhone{kPhone, ""}).ThenRejects(Code::kInvalid, "customer_id");
  Given({CustomerPhoneClaimed{kPhone, "c1"}}).When(ClaimPhone{"+442079460958", "c2"}).ThenRejects(Code::kInvalid, "phone");
}

TEST(PhoneClaimEvolve, TracksTheOwner) {
  auto s = Fold(std::vector<PhoneClaimEvent>{CustomerPhoneClaimed{kPhone, "c1"}});
  EXPECT_EQ(s, (PhoneClaim{kPhone, "c1"}));
  EXPECT_EQ(Evolve(s, CustomerPhoneReleased{kPhone, "c2"}).owner_customer_id, "c1");  // stray release
  EXPECT_EQ(Evolve(s, CustomerPhoneReleased{kPhone, "c1"}).owner_customer_id, "");
}

}  // namespace
}  // namespace switchboard::domain
