import { ApiKey } from '../auth/api-key.entity';
import { AuditEntry } from '../store/audit-entry.entity';
import { ChangeEntry, GatewayState } from '../changes/change.entity';
import { IngestRun } from '../ingest/ingest-run.entity';
import { SourceRevision } from '../store/source-revision.entity';
import { Webhook, WebhookDelivery } from '../outbound/webhooks/webhook.entity';
import { ContentSource } from '../ingest/source.entity';
import { CampaignStory } from '../campaigns/campaign-story.entity';
import { Campaign } from '../campaigns/campaign.entity';
import { DigestArticle } from '../digest-articles/digest-article.entity';
import { ContentNation } from '../member-nations/content-nation.entity';
import { MemberNation } from '../member-nations/member-nation.entity';
import { ContentCountry } from '../shared/content/content-country.entity';
import { ContentTag } from '../shared/content/content-tag.entity';
import { Content } from '../shared/content/content.entity';
import { ContentTranslation } from '../shared/content/content-translation.entity';
import { SocialPost } from '../social-posts/social-post.entity';
import { StabilisationProject } from '../stabilisation-projects/stabilisation-project.entity';

/** Every TypeORM entity of the graph, for the DataSource. */
export const ENTITIES = [
  Content,
  DigestArticle,
  CampaignStory,
  SocialPost,
  StabilisationProject,
  Campaign,
  MemberNation,
  ContentNation,
  ContentCountry,
  ContentTag,
  ApiKey,
  AuditEntry,
  ChangeEntry,
  GatewayState,
  ContentSource,
  IngestRun,
  SourceRevision,
  Webhook,
  WebhookDelivery,
  ContentTranslation,
];
