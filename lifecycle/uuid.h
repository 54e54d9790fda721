// Random (version 4) UUIDs for volume, node and cluster identities: the
// shared helper lives in index/util/ (shards need them too).
#pragma once

#include "index/util/uuid.h"
