import { ContentGraph1764000000000 } from './1764000000000-content-graph';
import { ApiKeysAndAudit1764100000000 } from './1764100000000-api-keys-and-audit';
import { TypedParentIndexes1764200000000 } from './1764200000000-typed-parent-indexes';
import { ChangeLog1764300000000 } from './1764300000000-change-log';
import { Ingestion1764400000000 } from './1764400000000-ingestion';
import { Webhooks1764500000000 } from './1764500000000-webhooks';
import { SearchAndLanguages1764600000000 } from './1764600000000-search-and-languages';
import { TranslatedInto1764650000000 } from './1764650000000-translated-into';
import { SearchJoinIndex1764700000000 } from './1764700000000-search-join-index';
import { WebhookDeliveryQueue1764750000000 } from './1764750000000-webhook-delivery-queue';
import { SearchVectorsWithoutText1764800000000 } from './1764800000000-search-vectors-without-text';
import { SearchEntryVisibility1764900000000 } from './1764900000000-search-entry-visibility';
import { SearchLexemes1765000000000 } from './1765000000000-search-lexemes';
import { ChangeLogListValues1765100000000 } from './1765100000000-change-log-list-values';
import { LongSourceIds1765200000000 } from './1765200000000-long-source-ids';
import { SourceWithdrawals1765300000000 } from './1765300000000-source-withdrawals';
import { SourceBackOff1765400000000 } from './1765400000000-source-back-off';
import { GivenPublicationTimes1765500000000 } from './1765500000000-given-publication-times';
import { CampaignHashtagKeys1765600000000 } from './1765600000000-campaign-hashtag-keys';

/** Every migration, oldest first. Listed explicitly so that no glob depends on the build layout. */
export const MIGRATIONS: Function[] = [ContentGraph1764000000000, ApiKeysAndAudit1764100000000, TypedParentIndexes1764200000000, ChangeLog1764300000000, Ingestion1764400000000, Webhooks1764500000000, SearchAndLanguages1764600000000, TranslatedInto1764650000000, SearchJoinIndex1764700000000, WebhookDeliveryQueue1764750000000, SearchVectorsWithoutText1764800000000, SearchEntryVisibility1764900000000, SearchLexemes1765000000000, ChangeLogListValues1765100000000, LongSourceIds1765200000000, SourceWithdrawals1765300000000, SourceBackOff1765400000000, GivenPublicationTimes1765500000000, CampaignHashtagKeys1765600000000];
