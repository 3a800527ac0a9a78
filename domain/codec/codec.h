// All domain codecs in one include: Encode/DecodeXEvent and ToSnapshot/FromSnapshot per aggregate,
// plus the JSON forms of the configuration value types.
#pragma once

#include "domain/codec/appointment_codec.h"
#include "domain/codec/customer_codec.h"
#include "domain/codec/encoded_event.h"
#include "domain/codec/json_reader.h"
#include "domain/codec/phone_claim_codec.h"
#include "domain/codec/snapshot.h"
#include "domain/codec/technician_calendar_codec.h"
#include "domain/codec/tenant_codec.h"
#include "domain/codec/values_json.h"
