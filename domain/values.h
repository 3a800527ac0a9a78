// The domain's value types in one include: time, phone numbers, time slots, business hours,
// services, text rules. Each lives in its own small header.
#pragma once

#include "domain/business_hours.h"
#include "domain/phone_number.h"
#include "domain/rejection.h"
#include "domain/result.h"
#include "domain/service.h"
#include "domain/text.h"
#include "domain/time.h"
#include "domain/time_slot.h"
