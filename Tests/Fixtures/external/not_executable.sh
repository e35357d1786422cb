#!/bin/sh
# Deliberately lacks execute permission: ExternalScorer must refuse it at init.
exit 0
