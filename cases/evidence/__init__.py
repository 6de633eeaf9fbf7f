"""Electronic evidence (存证): sealed storage, type detection, evidence packages, verification, integrity.

`cases.services` holds the workflow steps (upload, new version, withdrawal, package export); this
package holds what they are built from, and the integrity sweep.
"""
