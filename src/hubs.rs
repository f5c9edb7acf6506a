//! Library hubs: the nearest ones, whether they are open, and finding them by name.
