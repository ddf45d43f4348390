//! Reading `.npy` and `.csv` arrays (work in progress).
