import type { Agent } from '../../domain/coordination/model.js';
import type { Repositories } from '../../domain/repositories.js';
import type { Tenant } from '../../tenant.js';

/**
 * Demo coordinations on scripted agents: the local stack seeds them, the
 * triage fixtures (test/fixtures/triage) are labeled against them, and the
 * router benchmark measures on them. Ids are fixed so fixtures and docs can
 * name them.
 */
export interface DemoCoordination {
  readonly key: string;
  readonly coordination_uuid: string;
  readonly coordination_name: string;
  readonly coordination_description: string;
  readonly agents: readonly Agent[];
}

const task = (
  agent_uuid: string,
  agent_name: string,
  agent_description: string,
  example_queries: string[],
): Agent => ({
  agent_uuid,
  agent_name,
  agent_description,
  agent_type: 'task',
  runtime: 'scripted',
  example_queries,
  script: { answer: `${agent_name}: I can help with that. You asked: {input}`, chunk_size: 12 },
});

export const demoCoordinations: readonly DemoCoordination[] = [
  {
    key: 'shop-support',
    coordination_uuid: '10000000000000000001',
    coordination_name: 'Shop customer support',
    coordination_description: 'Answers customers of an online shop.',
    agents: [
      task(
        '10000000000000000101',
        'Order Tracking',
        'Finds where an order or package is, its delivery date, carrier and tracking number.',
        [
          'Where is my order?',
          'My package has not arrived yet',
          'What is the tracking number for my parcel?',
        ],
      ),
      task(
        '10000000000000000102',
        'Returns and Refunds',
        'Starts returns and exchanges, issues refunds for damaged, wrong or unwanted items, explains the return policy.',
        ['I want to return these shoes', 'When will I get my money back?', 'The item arrived broken'],
      ),
      task(
        '10000000000000000103',
        'Billing and Payments',
        'Explains charges, invoices and receipts; fixes failed card payments, double charges, promo codes and gift cards.',
        ['I was charged twice', 'My card was declined at checkout', 'Can I get an invoice for my purchase?'],
      ),
      task(
        '10000000000000000104',
        'Product Advisor',
        'Recommends products, compares models, answers questions about sizes, materials, compatibility and stock availability.',
        [
          'Which laptop is better for gaming?',
          'Is this jacket waterproof?',
          'Do you have this in size medium?',
        ],
      ),
      task(
        '10000000000000000105',
        'Account Manager',
        'Handles sign-in problems, password resets, email and address changes, newsletter subscriptions and closing an account.',
        ['I cannot log in to my account', 'How do I change my shipping address?', 'Please delete my account'],
      ),
    ],
  },
  {
    key: 'finance-ops',
    coordination_uuid: '10000000000000000002',
    coordination_name: 'Finance operations',
    coordination_description: 'Helps a finance team with reporting, payables, receivables and planning.',
    agents: [
      task(
        '10000000000000000201',
        'Revenue Reporting',
        'Builds revenue and sales reports: monthly, quarterly and yearly figures, growth by region or product, dashboards.',
        [
          'What was revenue last quarter?',
          'Show sales growth by region',
          'Build a monthly revenue dashboard',
        ],
      ),
      task(
        '10000000000000000202',
        'Expense Audit',
        'Reviews employee expenses and reimbursement claims, flags policy violations, duplicate receipts and unusual spending.',
        [
          'Check this travel expense claim',
          'Flag suspicious spending this month',
          'Is this hotel bill within policy?',
        ],
      ),
      task(
        '10000000000000000203',
        'Forecasting',
        'Forecasts cash flow, budget and demand; runs scenarios and projections for next year.',
        [
          'Project cash flow for the next six months',
          'What if costs rise by 10 percent?',
          'Prepare the budget plan for next year',
        ],
      ),
      task(
        '10000000000000000204',
        'Accounts Payable',
        'Pays vendor and supplier bills, schedules payments, matches purchase orders to supplier invoices.',
        [
          'Pay the supplier invoice from Acme',
          'When is the vendor payment due?',
          'Match this purchase order to its bill',
        ],
      ),
      task(
        '10000000000000000205',
        'Accounts Receivable',
        'Chases customer invoices that are overdue, sends payment reminders, records incoming customer payments and collections.',
        [
          'Which customers have overdue invoices?',
          'Send a reminder to clients who have not paid',
          'Record the payment we received from Globex',
        ],
      ),
      task(
        '10000000000000000206',
        'Tax Compliance',
        'Prepares VAT, sales tax and corporate tax filings, deadlines, and answers tax rules questions.',
        [
          'When is the VAT return due?',
          'How much sales tax do we owe in Texas?',
          'Prepare the corporate tax filing',
        ],
      ),
    ],
  },
  {
    key: 'it-helpdesk',
    coordination_uuid: '10000000000000000003',
    coordination_name: 'IT helpdesk',
    coordination_description: 'First-line IT support for employees.',
    agents: [
      task(
        '10000000000000000301',
        'Access and Passwords',
        'Resets passwords, unlocks accounts, sets up multi-factor authentication and grants access to systems and shared folders.',
        ['I forgot my password', 'My account is locked', 'I need access to the finance shared drive'],
      ),
      task(
        '10000000000000000302',
        'Hardware Support',
        'Fixes laptops, monitors, keyboards, printers and docking stations; orders replacement devices.',
        ['My laptop will not turn on', 'The printer on floor 3 is jammed', 'I need a second monitor'],
      ),
      task(
        '10000000000000000303',
        'Network and VPN',
        'Solves wifi, internet, VPN and remote connection problems, slow network and DNS issues.',
        ['The VPN keeps disconnecting', 'Wifi in the meeting room is down', 'I cannot connect from home'],
      ),
      task(
        '10000000000000000304',
        'Software and Licenses',
        'Installs and updates applications, requests software licenses, fixes app crashes and errors.',
        [
          'Please install Photoshop on my machine',
          'Excel crashes when I open a file',
          'I need a license for the design tool',
        ],
      ),
      task(
        '10000000000000000305',
        'Security Incidents',
        'Handles phishing emails, malware, virus alerts, lost or stolen devices and suspected data breaches.',
        [
          'I clicked a suspicious link in an email',
          'My antivirus found a virus',
          'My phone with company data was stolen',
        ],
      ),
    ],
  },
  {
    key: 'hr-assistant',
    coordination_uuid: '10000000000000000004',
    coordination_name: 'HR assistant',
    coordination_description: 'Answers employees about time off, pay, benefits and hiring.',
    agents: [
      task(
        '10000000000000000401',
        'Time Off',
        'Books vacation, sick leave and parental leave; reports remaining holiday balance and public holidays.',
        ['How many vacation days do I have left?', 'I am sick today', 'Request two weeks of leave in August'],
      ),
      task(
        '10000000000000000402',
        'Payroll',
        'Answers salary and payslip questions, pay dates, overtime pay, tax withholding and bonus payments.',
        [
          'When is payday this month?',
          'My payslip shows the wrong overtime',
          'Why is my salary lower this month?',
        ],
      ),
      task(
        '10000000000000000403',
        'Benefits',
        'Explains health insurance, dental, pension and retirement plans, gym membership and other employee perks.',
        [
          'Does our health insurance cover dental?',
          'How do I join the pension plan?',
          'Is there a gym discount?',
        ],
      ),
      task(
        '10000000000000000404',
        'Recruiting',
        'Posts job openings, schedules candidate interviews, tracks applicants and referrals.',
        [
          'Open a position for a backend engineer',
          'Schedule an interview with the candidate',
          'I want to refer a friend for a job',
        ],
      ),
      task(
        '10000000000000000405',
        'Onboarding',
        'Prepares the first day of new hires: equipment, accounts, orientation, training plan and buddy.',
        [
          'A new hire starts Monday',
          'What should new employees do in their first week?',
          'Set up orientation for the new team member',
        ],
      ),
    ],
  },
];

/** Writes the demo coordinations for a tenant (the local stack's seed); existing ones are left as they are. */
export async function seedDemoCoordinations(
  repos: Pick<Repositories, 'coordinations'>,
  tenant: Tenant,
): Promise<number> {
  let created = 0;
  for (const demo of demoCoordinations) {
    if (await repos.coordinations.find(tenant, demo.coordination_uuid)) continue;
    await repos.coordinations.insert(tenant, {
      coordination_uuid: demo.coordination_uuid,
      coordination_name: demo.coordination_name,
      coordination_description: demo.coordination_description,
      agents: [...demo.agents],
      updated_by: 'seed',
    });
    created++;
  }
  return created;
}
