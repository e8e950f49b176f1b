-- A small production schema with personal data: what the staging-safety example masks and grants. The tests
-- (test/infra/examples/staging-safety.test.ts) load it into a real PostgreSQL before running the hooks.
--
-- customers holds personal data (email, full_name, phone); orders refers to customers by id, so masking must
-- leave every id alone for the join to keep matching. One pair of emails differs only in case: the unique
-- constraint on text is case-sensitive, so both may exist in production, and the masking must keep them apart.

create table customers (
  id bigint primary key,
  email text unique not null,
  full_name text not null,
  phone text,
  created_at timestamptz not null
);

create table orders (
  id bigint primary key,
  customer_id bigint references customers,
  created_at timestamptz not null,
  amount numeric(12,2) not null
);

insert into customers (id, email, full_name, phone, created_at) values
  (1, 'anna.schmidt@gmail.com',        'Anna Schmidt',       '+49 151 23456789', '2024-02-11 09:14:00+00'),
  (2, 'jean.dupont@orange.fr',         'Jean Dupont',        '+33 6 12 34 56 78', '2024-03-02 17:40:00+00'),
  (3, 'maria.garcia@hotmail.es',       'María García López', null,               '2024-05-19 11:03:00+00'),
  (4, 'j.oconnor@eircom.net',          'Jack O''Connor',     '+353 87 123 4567',  '2024-07-23 20:55:00+00'),
  (5, 'Lena.Berg@Outlook.com',         'Lena Berg',          '+46 70 123 45 67',  '2024-09-30 06:12:00+00'),
  (6, 'lena.berg@outlook.com',         'Lena Berg',          null,               '2025-01-08 13:27:00+00'),
  (7, 'piotr.nowak@wp.pl',             'Piotr Nowak',        '+48 601 234 567',   '2025-04-14 15:48:00+00'),
  (8, 'sofia.rossi@libero.it',         'Sofia Rossi',        '+39 347 123 4567',  '2025-06-21 08:31:00+00');

insert into orders (id, customer_id, created_at, amount) values
  (1001, 1, '2025-10-01 10:00:00+00',  49.90),
  (1002, 1, '2025-10-03 18:22:00+00', 129.00),
  (1003, 2, '2025-10-04 07:45:00+00',  15.50),
  (1004, 3, '2025-10-06 21:10:00+00', 310.25),
  (1005, 4, '2025-10-09 12:00:00+00',  89.99),
  (1006, 5, '2025-10-11 16:35:00+00',  24.00),
  (1007, 6, '2025-10-12 09:05:00+00',  74.40),
  (1008, 7, '2025-10-15 19:50:00+00', 999.00),
  (1009, 8, '2025-10-18 14:15:00+00',  12.75),
  (1010, 8, '2025-10-20 11:11:00+00',  58.60),
  (1011, 2, '2025-10-22 08:00:00+00', 240.00),
  (1012, 5, '2025-10-25 22:30:00+00',  33.30);
