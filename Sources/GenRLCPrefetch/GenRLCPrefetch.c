// The header holds the whole module (an inline function); SwiftPM needs one C file.
#include "GenRLCPrefetch.h"
