"""System services of a TrueNAS entry (SMB, NFS, SSH, ...): running sensors, opt-in switches."""
