#!/bin/sh
# Keeps the SMILES column (the first tab-separated field) of the first 500 lines of
# RDKit's Data/NCI/first_5K.smi. The SMILES are copied byte for byte; the NSC-style
# serial number in the second column is dropped.
#
# usage: sh make_nci_first500_smiles.sh first_5K.smi > nci_first500.smi
set -eu
head -n 500 "$1" | cut -f 1
