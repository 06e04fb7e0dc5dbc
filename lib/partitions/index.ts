export { maintainPartitions, restoreMonth, type ArchivedMonth, type MaintenanceReport, type PartitionOptions, type RestoreReport, type RetentionStep } from './maintenance.js';
export { ARCHIVE_FORMAT, archiveLocation, readArchive, readManifest, type ArchiveManifest } from './archive.js';
export { addMonths, isMonth, maintenanceWindow, monthOf, partitionName, type Month } from './months.js';
export { partitionSql, type ArchiveRow, type ArchiveState } from './queries.js';
