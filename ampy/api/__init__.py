"""The neutral Partner API object model shared by the AMPscript API functions and every backend."""
